"""The conditions a rule may combine: their keys, how each is validated, and how each is
described to people. (How each is checked: ``escalations.engine.conditions``.)

A rule's conditions are a JSON object; every condition listed must hold (AND). Within a list
(keywords, patterns, topics) any one entry is enough (OR), and keywords and patterns together
are one condition: a listed phrase or a pattern (legal threats are easier to list as both).

    {
      "keywords": ["lawyer", "legal action"],        any of these words or phrases
      "patterns": ["\\bsu(e|ing)\\s+you\\b"],        any of these regular expressions
      "amount": {"over": 200, "topics": ["refund"], "currency": "$"},
                                                     an amount over 200 together with a topic word
      "turns_at_least": 6,                           customer messages without a resolution
      "confidence_below": "prompt" | 0.3,            the AI's confidence below the active prompt
                                                     version's threshold, or below this number
      "human_request": true,                         an explicit request for a person
      "negative_sentiment": true | -4,               a sentiment score at or below -3 (or this)
      "topics": ["api", "webhook"]                   the conversation's topic or the message
    }
"""

import re
from decimal import Decimal, InvalidOperation

from escalations.engine import money, sentiment
from escalations.engine.patterns import PatternInvalid, pattern_compile
from escalations.engine.text import quoted

MAX_LIST_ENTRIES = 200
MAX_PHRASE_CHARACTERS = 100
MAX_PATTERNS = 20
PROMPT_THRESHOLD = "prompt"

# The order conditions appear in forms, summaries and reason sentences.
CONDITION_KEYS = (
    "keywords",
    "patterns",
    "amount",
    "human_request",
    "negative_sentiment",
    "topics",
    "turns_at_least",
    "confidence_below",
)
CONDITION_LABELS = {
    "keywords": "keywords",
    "patterns": "patterns",
    "amount": "amount",
    "human_request": "human request",
    "negative_sentiment": "negative sentiment",
    "topics": "topics",
    "turns_at_least": "turn limit",
    "confidence_below": "confidence below",
}


class ConditionsInvalid(Exception):
    """``errors`` maps a condition key (or ``"conditions"``) to sentences for people."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(sentence for sentences in errors.values() for sentence in sentences))


# --- validation ------------------------------------------------------------------------------


def _phrases(value, key: str, errors: dict) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        errors.setdefault(key, []).append(f"The {CONDITION_LABELS[key]} must be a list of words or phrases.")
        return []
    cleaned, seen = [], set()
    for entry in value:
        entry = " ".join(entry.split())
        if entry and entry.lower() not in seen:
            seen.add(entry.lower())
            cleaned.append(entry)
    too_long = [entry for entry in cleaned if len(entry) > MAX_PHRASE_CHARACTERS]
    if too_long:
        errors.setdefault(key, []).append(
            f"Keep each entry under {MAX_PHRASE_CHARACTERS} characters: {quoted(too_long[0][:40] + '…')} is longer."
        )
    if len(cleaned) > MAX_LIST_ENTRIES:
        errors.setdefault(key, []).append(f"At most {MAX_LIST_ENTRIES} entries.")
    if not [entry for entry in cleaned if re.search(r"\w", entry)] and value:
        errors.setdefault(key, []).append(f"Give at least one word for the {CONDITION_LABELS[key]}.")
    return cleaned


def _number(value, key: str, errors: dict, *, low=None, high=None, integer=False):
    if isinstance(value, bool):
        value = None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or (integer and number != number.to_integral_value()):
        kind = "a whole number" if integer else "a number"
        errors.setdefault(key, []).append(f"The {CONDITION_LABELS[key]} must be {kind}.")
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors.setdefault(key, []).append(f"The {CONDITION_LABELS[key]} must be from {low} to {high}.")
        return None
    return int(number) if integer else float(number)


def conditions_validate(conditions) -> dict:
    """The conditions, cleaned (lists stripped and de-duplicated, numbers as numbers), or
    ``ConditionsInvalid`` with a sentence per problem. Patterns must compile and stay cheap."""
    if not isinstance(conditions, dict):
        raise ConditionsInvalid({"conditions": ["The conditions must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(conditions) - set(CONDITION_KEYS))
    if unknown:
        errors["conditions"] = [f"Unknown condition {quoted(unknown[0])}; known: {', '.join(CONDITION_KEYS)}."]
    cleaned: dict = {}
    for key in ("keywords", "topics"):
        if key in conditions:
            phrases = _phrases(conditions[key], key, errors)
            if phrases:
                cleaned[key] = phrases
    if "patterns" in conditions:
        cleaned_patterns = _patterns_validate(conditions["patterns"], errors)
        if cleaned_patterns:
            cleaned["patterns"] = cleaned_patterns
    if conditions.get("amount") not in (None, {}, ""):
        amount = _amount_validate(conditions["amount"], errors)
        if amount:
            cleaned["amount"] = amount
    if conditions.get("turns_at_least") not in (None, ""):
        turns = _number(conditions["turns_at_least"], "turns_at_least", errors, low=1, high=1000, integer=True)
        if turns is not None:
            cleaned["turns_at_least"] = turns
    if conditions.get("confidence_below") not in (None, ""):
        if conditions["confidence_below"] == PROMPT_THRESHOLD:
            cleaned["confidence_below"] = PROMPT_THRESHOLD
        else:
            below = _number(conditions["confidence_below"], "confidence_below", errors, low=0, high=1)
            if below is not None:
                cleaned["confidence_below"] = below
    if conditions.get("human_request"):
        cleaned["human_request"] = True
    sentiment_value = conditions.get("negative_sentiment")
    if sentiment_value is True:
        cleaned["negative_sentiment"] = True
    elif sentiment_value not in (None, False, ""):
        below = _number(sentiment_value, "negative_sentiment", errors, low=-50, high=0)
        if below is not None:
            cleaned["negative_sentiment"] = below
    if not errors and not cleaned:
        errors["conditions"] = ["Give the rule at least one condition."]
    if errors:
        raise ConditionsInvalid(errors)
    return {key: cleaned[key] for key in CONDITION_KEYS if key in cleaned}


def _patterns_validate(value, errors: dict) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        errors.setdefault("patterns", []).append("The patterns must be a list of regular expressions.")
        return []
    cleaned = list(dict.fromkeys(entry.strip() for entry in value if entry.strip()))
    if len(cleaned) > MAX_PATTERNS:
        errors.setdefault("patterns", []).append(f"At most {MAX_PATTERNS} patterns.")
    for pattern in cleaned:
        try:
            pattern_compile(pattern)
        except PatternInvalid as error:
            errors.setdefault("patterns", []).append(str(error))
    return cleaned


def _amount_validate(value, errors: dict) -> dict | None:
    if not isinstance(value, dict):
        errors.setdefault("amount", []).append('The amount must be an object such as {"over": 200, "topics": [...]}.')
        return None
    over = _number(value.get("over"), "amount", errors, low=0, high=10**12)
    topics = _phrases(value.get("topics") or [], "amount", errors)
    if not topics:
        errors.setdefault("amount", []).append(
            "Name the topic words an amount must come with (for example refund, money back)."
        )
    currency = str(value.get("currency") or "$").strip()[:3]
    if over is None or not topics:
        return None
    return {"over": over, "topics": topics, "currency": currency}


def _list(values: list[str], limit: int = 4) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def conditions_summary(conditions: dict) -> list[str]:
    """One short line per condition, for the rules page."""
    lines = []
    for key in CONDITION_KEYS:
        if key not in conditions:
            continue
        value = conditions[key]
        if key == "keywords":
            line = f"mentions {_list(value)}"
            if "patterns" in conditions:
                count = len(conditions["patterns"])
                line += f" or matches {count} pattern{'s' if count > 1 else ''}"
            lines.append(line)
        elif key == "patterns" and "keywords" not in conditions:
            lines.append(f"matches {_list(value, 2)}")
        elif key == "amount":
            limit = money.format_limit(Decimal(str(value["over"])), value.get("currency", "$"))
            lines.append(f"amount over {limit} with {_list(value['topics'], 3)}")
        elif key == "human_request":
            lines.append("asks for a person")
        elif key == "negative_sentiment":
            threshold = sentiment.DEFAULT_THRESHOLD if value is True else value
            lines.append(f"negative sentiment (score ≤ {threshold:g})")
        elif key == "topics":
            lines.append(f"about {_list(value)}")
        elif key == "turns_at_least":
            lines.append(f"{value}+ customer messages without a resolution")
        elif key == "confidence_below":
            lines.append(
                "AI confidence below the prompt's threshold"
                if value == PROMPT_THRESHOLD
                else f"AI confidence below {value:.2f}"
            )
    return lines
