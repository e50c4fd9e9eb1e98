"""How each condition is checked on one message: a ``Features`` object computes what the
message offers (its words, amounts, a request for a person, sentiment) once, on first use, and
each check reads from it. The cheapest checks run first: all conditions must hold, so a cheap
one that fails spares the dear ones. (What the conditions are: ``escalations.engine.schema``.)"""

import re
from dataclasses import dataclass
from decimal import Decimal

from escalations.engine import human_request, money, sentiment
from escalations.engine.patterns import pattern_compile, required_literal
from escalations.engine.schema import CONDITION_KEYS, PROMPT_THRESHOLD
from escalations.engine.text import PhraseMatcher, WordIndex, phrase_pattern, quoted


@dataclass(frozen=True)
class Hit:
    """One condition holding: a clause of the reason and, when it points at words of the
    message, those words exactly as written."""

    clause: str
    text: str = ""
    start: int = -1
    end: int = -1


class Features:
    """What the conditions read from one message, each computed once, on first use, however
    many rules ask for it."""

    def __init__(self, context):
        self.context = context
        self.text = context.normalized_text
        self._amounts = self._human = self._sentiment = self._index = self._topic_index = None
        self._ascii_lowered = self._turns = self._topic = None

    @property
    def turns(self) -> int:
        if self._turns is None:
            loader = self.context.turns_loader
            self._turns = loader() if loader is not None else self.context.turns_without_resolution
        return self._turns

    @property
    def topic(self) -> str:
        if self._topic is None:
            loader = self.context.topic_loader
            self._topic = loader() if loader is not None else self.context.topic
        return self._topic

    @property
    def index(self) -> WordIndex:
        if self._index is None:
            self._index = WordIndex(self.text)
        return self._index

    @property
    def ascii_lowered(self) -> str | None:
        """The message lowercased, when it is ASCII (where lowercasing and the regex's case
        folding agree); None otherwise."""
        if self._ascii_lowered is None:
            self._ascii_lowered = self.text.lower() if self.text.isascii() else ""
        return self._ascii_lowered or None

    @property
    def topic_index(self) -> WordIndex:
        if self._topic_index is None:
            self._topic_index = WordIndex(self.topic)
        return self._topic_index

    @property
    def amounts(self) -> list[money.Amount]:
        if self._amounts is None:
            self._amounts = money.amounts_in(self.text)
        return self._amounts

    @property
    def human_request(self):
        if self._human is None:
            self._human = (human_request.human_request_in(self.text, self.index),)
        return self._human[0]

    @property
    def sentiment(self) -> sentiment.Sentiment:
        if self._sentiment is None:
            self._sentiment = sentiment.sentiment_of(self.text, self.index)
        return self._sentiment

    def original(self, start: int, end: int) -> str:
        return self.context.text[start:end]


def _first_phrase(phrases: list[str], found: str) -> str:
    """Which listed phrase matched ``found`` (for the reason sentence)."""
    for phrase in phrases:
        if re.fullmatch(phrase_pattern(phrase), found, re.IGNORECASE):
            return phrase
    return found


class WordsCheck:
    """Keywords and patterns are one condition: any listed word or phrase, or any pattern."""

    key, cost, needs_reply = "keywords", 2, False

    def __init__(self, phrases: list[str], patterns: list[str]):
        self.phrases = PhraseMatcher(phrases)
        self.patterns = [(pattern, pattern_compile(pattern), required_literal(pattern)) for pattern in patterns]

    def __call__(self, features: Features) -> Hit | None:
        span = self.phrases.search(features.index)
        if span is not None:
            written = features.original(span.start, span.end)
            return Hit(f"the message mentions {quoted(written)}", written, span.start, span.end)
        ascii_lowered = features.ascii_lowered
        for number, (source, regex, literal) in enumerate(self.patterns, start=1):
            if literal and ascii_lowered is not None and literal not in ascii_lowered:
                continue
            match = regex.search(features.text)
            if match is not None and match.end() > match.start():
                written = features.original(match.start(), match.end())
                which = f"the pattern {quoted(source)}" if len(source) <= 40 else f"pattern {number} of the rule"
                clause = f"the message says {quoted(written)}, which matches {which}"
                return Hit(clause, written, match.start(), match.end())
        return None


class AmountCheck:
    key, cost, needs_reply = "amount", 4, False

    def __init__(self, amount: dict):
        self.over = Decimal(str(amount["over"]))
        self.topics = amount["topics"]
        self.topic_phrases = PhraseMatcher(self.topics)
        self.limit = money.format_limit(self.over, amount.get("currency", "$"))

    def __call__(self, features: Features) -> Hit | None:
        topic = self.topic_phrases.search(features.index)
        if topic is None:
            return None
        large = [amount for amount in features.amounts if amount.value > self.over]
        if not large:
            return None
        amount = max(large, key=lambda candidate: candidate.value)
        written = features.original(amount.start, amount.end).strip()
        subject = _first_phrase(self.topics, features.text[topic.start : topic.end])
        clause = f"{subject} of {written} is over the {self.limit} limit"
        return Hit(clause, written, amount.start, amount.start + len(written))


class HumanRequestCheck:
    key, cost, needs_reply = "human_request", 3, False

    def __call__(self, features: Features) -> Hit | None:
        request = features.human_request
        if request is None:
            return None
        written = features.original(request.start, request.end)
        return Hit(f"the customer asked for a person ({quoted(written)})", written, request.start, request.end)


class SentimentCheck:
    key, cost, needs_reply = "negative_sentiment", 3, False

    def __init__(self, value):
        self.threshold = sentiment.DEFAULT_THRESHOLD if value is True else float(value)

    def __call__(self, features: Features) -> Hit | None:
        if not features.index.has_any(sentiment.NEGATIVE_CUES):
            return None
        result = features.sentiment
        if result.score > self.threshold or not result.negative_words:
            return None
        words = ", ".join(quoted(features.original(start, end)) for _, start, end in result.negative_words[:3])
        _, start, end = result.negative_words[0]
        written = features.original(start, end)
        return Hit(f"the message reads as negative (score {result.score:g}: {words})", written, start, end)


class TopicsCheck:
    key, cost, needs_reply = "topics", 1, False

    def __init__(self, topics: list[str]):
        self.topics = topics
        self.phrases = PhraseMatcher(topics)

    def __call__(self, features: Features) -> Hit | None:
        span = self.phrases.search(features.index)
        if span is not None:
            written = features.original(span.start, span.end)
            return Hit(f"the message is about {quoted(written)}", written, span.start, span.end)
        if features.topic:
            span = self.phrases.search(features.topic_index)
            if span is not None:
                return Hit(f"the conversation is about {quoted(features.topic[span.start : span.end])}")
        return None


class TurnsCheck:
    # Last among a rule's checks: counting the turns costs the database two queries.
    key, cost, needs_reply = "turns_at_least", 5, False

    def __init__(self, turns: int):
        self.turns = turns

    def __call__(self, features: Features) -> Hit | None:
        turns = features.turns
        if turns < self.turns:
            return None
        return Hit(f"{turns} customer messages without a resolution (the limit is {self.turns})")


class ConfidenceCheck:
    key, cost, needs_reply = "confidence_below", 0, True

    def __init__(self, value):
        self.threshold = None if value == PROMPT_THRESHOLD else float(value)

    def __call__(self, features: Features) -> Hit | None:
        context = features.context
        threshold = self.threshold if self.threshold is not None else context.confidence_threshold
        if context.confidence is None or threshold is None or context.confidence >= float(threshold):
            return None
        source = "" if self.threshold is not None else " of the active prompt version"
        return Hit(f"the AI's confidence {context.confidence:.2f} is below the threshold{source} ({threshold:.2f})")


def checks_for(conditions: dict) -> list:
    """The checks of validated conditions, cheapest first (all must hold, so the cheap ones
    rule a rule out before the dear ones run)."""
    makers = {
        "amount": AmountCheck,
        "human_request": lambda value: HumanRequestCheck(),
        "negative_sentiment": SentimentCheck,
        "topics": TopicsCheck,
        "turns_at_least": TurnsCheck,
        "confidence_below": ConfidenceCheck,
    }
    checks = [makers[key](conditions[key]) for key in CONDITION_KEYS if key in makers and key in conditions]
    if "keywords" in conditions or "patterns" in conditions:
        checks.append(WordsCheck(conditions.get("keywords", []), conditions.get("patterns", [])))
    return sorted(checks, key=lambda check: check.cost)
