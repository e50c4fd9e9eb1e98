"""The handoff summary an agent reads before answering: extractive, no model call.

It says why the conversation was escalated, what the customer first asked, what they said
last, and the amounts and order or reference numbers they mentioned: the things an agent
would otherwise scroll the transcript for."""

import re

from conversations.models import Conversation, Message, Sender
from escalations.engine.money import amounts_in
from escalations.engine.text import normalize

LATEST_MESSAGES = 3
FIRST_MESSAGE_CHARACTERS = 400
LATEST_MESSAGE_CHARACTERS = 240
MAX_REFERENCES = 8

# "#48213", "INV-2024-0032", "order 123456", "ticket no. AB12CD", "case #7781"
CODE = re.compile(r"[A-Z]{2,6}-\d{2,}(?:-\d+)*")
REFERENCE = re.compile(
    r"(?P<number>#\s?\d{3,})\b"
    rf"|\b(?P<code>{CODE.pattern})\b"
    r"|\b(?P<kind>(?i:order|invoice|ticket|case|booking|reference|ref|receipt|transaction))\s*"
    r"(?i:no\.?|number|id)?\s*:?\s*(?P<id>\#?(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{3,})\b"
)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _reference(match: re.Match) -> str:
    if match.group("id") is None:
        return "".join((match.group("number") or match.group("code")).split())
    if CODE.fullmatch(match.group("id")):
        return match.group("id")
    return f"{match.group('kind').lower()} {match.group('id')}"


def references_in(text: str) -> list[str]:
    return _unique(_reference(match) for match in REFERENCE.finditer(text))


def handoff_summary(*, conversation: Conversation, reason: str = "") -> str:
    """Plain text, a few lines: reason, first message, latest messages, amounts, references."""
    customer_texts = list(
        Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER)
        .order_by("seq")
        .values_list("text", flat=True)
    )
    last_ai_confidence = (
        Message.objects.filter(conversation=conversation, sender=Sender.AI, confidence__isnull=False)
        .order_by("-seq")
        .values_list("confidence", flat=True)
        .first()
    )
    lines = []
    if reason:
        lines.append(f"Why: {reason}")
    if conversation.topic:
        lines.append(f"Topic: {conversation.topic}")
    if customer_texts:
        lines.append(f"First message: “{_shorten(customer_texts[0], FIRST_MESSAGE_CHARACTERS)}”")
        latest = customer_texts[1:][-LATEST_MESSAGES:]
        if latest:
            lines.append("Latest:")
            lines.extend(f"- “{_shorten(text, LATEST_MESSAGE_CHARACTERS)}”" for text in latest)
    everything = "\n".join(normalize(text) for text in customer_texts)
    amounts = _unique(amount.text for amount in amounts_in(everything))
    if amounts:
        lines.append(f"Amounts mentioned: {', '.join(amounts[:MAX_REFERENCES])}")
    references = references_in(everything)
    if references:
        lines.append(f"Order or reference numbers: {', '.join(references[:MAX_REFERENCES])}")
    facts = [f"{len(customer_texts)} customer message{'s' if len(customer_texts) != 1 else ''}"]
    if last_ai_confidence is not None:
        facts.append(f"last AI confidence {last_ai_confidence:.2f}")
    lines.append("; ".join(facts) + ".")
    return "\n".join(lines)
