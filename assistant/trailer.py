"""The model's hidden self-assessment: a trailer such as ``⟦confidence=0.82⟧`` at the end of
its answer, removed from the stream before the customer sees it.

Why these brackets: U+27E6/U+27E7 (mathematical white square brackets) essentially never occur
in support answers, so the filter only has to hold text back from a ``⟦`` onwards. Ordinary text
is passed through in the same delta it arrived in; nothing else is ever removed.

The filter works on a stream split anywhere: ``⟦conf`` in one delta and ``idence=0.8⟧`` in the
next are recognised, and so is a trailer cut off by the end of the stream (max_tokens hit
mid-trailer), which is dropped. A trailer that is there but unreadable ("high", "1.7", no
closing bracket) is still removed; it just yields no value.
"""

from __future__ import annotations

import re

OPEN = "⟦"
CLOSE = "⟧"
KEYWORD = "confidence"
# Longest span held back while waiting for the closing bracket of a trailer
# ("⟦confidence=0.8234⟧" is 19 characters); past it, the start is treated as garbled.
MAX_TRAILER_LENGTH = 40

_TRAILER = re.compile(r"⟦\s*confidence\s*[=:]\s*([^⟧]*?)\s*⟧", re.IGNORECASE)
# What a garbled, unterminated trailer looks like up to the first whitespace after its value.
_GARBLED_HEAD = re.compile(r"⟦\s*confidence\s*[=:]?\s*[^\s⟧]*", re.IGNORECASE)


def trailer_instruction() -> str:
    """The system-prompt paragraph that asks for the trailer."""
    return (
        f"After your answer, on a line of its own, write {OPEN}{KEYWORD}=X{CLOSE} where X is a number "
        "between 0 and 1: how likely it is that your answer is correct and fully supported by the "
        "help-centre passages (for example 0.9 when a passage states it plainly, 0.3 when you are "
        "guessing or the passages do not cover the question). This line is removed before the "
        "customer sees the answer; do not mention it."
    )


def parse_confidence(value: str) -> float | None:
    """``0.82``, ``.8``, ``1`` or ``82%`` → a number in [0, 1]; anything else → None."""
    value = value.strip()
    scale = 1.0
    if value.endswith("%"):
        value, scale = value[:-1].strip(), 100.0
    try:
        number = float(value) / scale
    except ValueError:
        return None
    if not (0.0 <= number <= 1.0):  # also rejects nan
        return None
    return number


class TrailerFilter:
    """Feed it deltas, pass on what it returns, call ``finish()`` at the end.

    ``confidence`` is the last well-formed trailer's value (None if none); ``found`` says
    whether a trailer (even a garbled one) was seen.
    """

    def __init__(self) -> None:
        self._held = ""
        self.confidence: float | None = None
        self.found = False

    def feed(self, text: str) -> str:
        if not self._held and OPEN not in text:
            return text  # the common case: not a character held, not a character changed
        buffer = self._held + text
        self._held = ""
        visible: list[str] = []
        while True:
            start = buffer.find(OPEN)
            if start < 0:
                visible.append(buffer)
                break
            visible.append(buffer[:start])
            rest = buffer[start:]
            state, length = _examine(rest)
            if state == _NOT_TRAILER:
                visible.append(OPEN)
                buffer = rest[1:]
            elif state == _INCOMPLETE:
                self._held = rest
                break
            else:
                self._take(rest[:length])
                buffer = rest[length:]
        return "".join(visible)

    def finish(self) -> str:
        """The end of the stream: a trailer still being held was cut off, and is dropped."""
        held, self._held = self._held, ""
        if held:
            self.found = True
        return ""

    def _take(self, trailer: str) -> None:
        self.found = True
        match = _TRAILER.fullmatch(trailer)
        if match is not None:
            value = parse_confidence(match.group(1))
            if value is not None:
                self.confidence = value


_NOT_TRAILER, _INCOMPLETE, _COMPLETE = range(3)


def _examine(rest: str) -> tuple[int, int]:
    """``rest`` starts with OPEN. Is it a trailer (and how long), maybe one, or not one?"""
    after = rest[1:].lstrip()
    keyword_part = after[: len(KEYWORD)].lower()
    if not KEYWORD.startswith(keyword_part):
        return _NOT_TRAILER, 0
    if len(keyword_part) < len(KEYWORD):
        # "⟦", "⟦conf": could still become a trailer, unless it has gone on too long.
        return (_NOT_TRAILER, 0) if len(rest) > MAX_TRAILER_LENGTH else (_INCOMPLETE, 0)
    close = rest.find(CLOSE)
    if close >= 0 and close < MAX_TRAILER_LENGTH:
        return _COMPLETE, close + 1
    if len(rest) <= MAX_TRAILER_LENGTH:
        return _INCOMPLETE, 0
    # "⟦confidence=high and then more text": drop the garbled marker, keep what follows.
    head = _GARBLED_HEAD.match(rest)
    return _COMPLETE, head.end() if head else 1
