"""The passages an answer cites as [1], [2], [1, 3] or [2][3], as ``Citation`` records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.types import Citation, Passage

_CITATION = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")


def cited_numbers(text: str, *, passage_count: int) -> tuple[int, ...]:
    """1-based passage numbers in order of first mention; numbers with no passage are dropped
    (the model may invent a [7] when there were three passages)."""
    seen: dict[int, None] = {}
    for match in _CITATION.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            number = int(part)
            if 1 <= number <= passage_count:
                seen.setdefault(number, None)
    return tuple(seen)


def citations_for(numbers: Iterable[int], *, passages: Sequence[Passage]) -> tuple[Citation, ...]:
    return tuple(
        Citation(
            index=number,
            document_title=passages[number - 1].document_title,
            section=passages[number - 1].section,
            document_id=passages[number - 1].document_id,
            chunk_id=passages[number - 1].chunk_id,
            url=passages[number - 1].url,
        )
        for number in numbers
    )
