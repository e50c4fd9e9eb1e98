"""Money amounts in what customers type: "$250", "250 dollars", "EUR 300", "€300", "300€",
"1,200.50", "USD 1200", "200 bucks", "$2k", "1.200,50 €".

Amounts are compared without regard to currency (a rule says "over 200", and 300 euros is
over it): the point is to catch large sums, not to convert them. A bare number counts only
when it is written like money (with cents or thousands separators: "1,200.50", "99.00"), so
that order numbers, years and quantities are not taken for amounts."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CURRENCY_CODES = "usd|eur|gbp|cad|aud|nzd|chf|jpy|inr|sek|nok|dkk|pln|brl|mxn|zar|sgd|hkd"
CURRENCY_WORDS = (
    r"dollars?|bucks|euros?|pounds?(?:\s+sterling)?|quid|francs?|yen|rupees?|kronor|kroner|reais|pesos?|rand"
)
SYMBOLS = "$€£¥₹"

# A number: 1,200.50 · 1.200,50 · 1200 · 1200.5 · 99,90
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PREFIX = rf"(?:\b(?:us|ca|au|nz|hk|s)\$|[{SYMBOLS}]|\b(?:{CURRENCY_CODES})\b)"
_SUFFIX = rf"(?:[{SYMBOLS}]|(?:{CURRENCY_CODES}|{CURRENCY_WORDS})\b)"
# Written like money without a currency: thousands separators or exactly two decimals.
_BARE = r"\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+\.\d{2}"

AMOUNT = re.compile(
    rf"""
    {_PREFIX}\s?(?P<prefixed>{_NUMBER})(?P<prefixed_k>k\b)?
    | (?<![\w.,])(?P<suffixed>{_NUMBER})(?P<suffixed_k>k)?\s?(?:-\s?)?{_SUFFIX}
    | (?<![\w.,#/-])(?P<bare>{_BARE})(?![\w.,]*\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)


_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    text: str  # exactly as written in the message
    start: int
    end: int


def number_value(text: str) -> Decimal | None:
    """ "1,200.50" → 1200.50; "1.200,50" → 1200.50; "99,90" → 99.90; "1.200" → 1200."""
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "." if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text) else ","
    elif "." in text:
        decimal_mark = "," if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text) else "."
    else:
        decimal_mark = "."
    thousands_mark = "," if decimal_mark == "." else "."
    digits = text.replace(thousands_mark, "").replace(decimal_mark, ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def amounts_in(text: str) -> list[Amount]:
    """Every amount in ``text`` (already normalised), in order."""
    if not _DIGIT.search(text):
        return []
    found = []
    for match in AMOUNT.finditer(text):
        number = match.group("prefixed") or match.group("suffixed") or match.group("bare")
        value = number_value(number)
        if value is None:
            continue
        if match.group("prefixed_k") or match.group("suffixed_k"):
            value *= 1000
        found.append(Amount(value=value, text=match.group(0).strip(), start=match.start(), end=match.end()))
    return found


def format_limit(value: Decimal, currency: str = "$") -> str:
    """200 → "$200"; 199.5 → "$199.50"; currency "EUR" → "EUR 200"."""
    number = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    if not currency:
        return number
    return f"{currency}{number}" if len(currency) == 1 else f"{currency} {number}"
