"""The offline provider: no language model. It answers with the most relevant help-centre
passages, trimmed to whole sentences and each followed by its source, and says so; when no
passage is relevant enough it says it could not find the answer and offers a person.

It is the final fallback of every request (it cannot fail for want of a vendor) and the whole
answer when no provider is configured or the workspace's token budget is used up.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from assistant.links import unlinked
from assistant.prompting import passage_heading
from assistant.providers.base import ProviderEvent, StreamEnd, TextChunk
from assistant.token_count import count_tokens

if TYPE_CHECKING:
    from assistant.config import AssistantConfig
    from assistant.failures import Failure
    from assistant.types import CompletionRequest, Passage

MODEL = "offline"

# Passage.score is the cosine similarity of all-MiniLM-L6-v2 embeddings. Measured on 65
# support questions against 8 help-centre passages (assistant/testing/offline_threshold_study.py,
# docs/assistant.md): all 475 unrelated pairs scored at most 0.371, and 38 of the 45 relevant
# pairs (84%) at least 0.40. Below the threshold we would rather offer a person than quote the
# wrong page: a missed answer costs a handover, a wrong one costs trust.
RELEVANCE_THRESHOLD = 0.40
# A second passage is quoted too when it is relevant and nearly as good as the best one.
SECONDARY_MARGIN = 0.10
MAX_PASSAGES = 2
WORDS_PER_PASSAGE = 80
# Streamed a few words at a time, like a model would, so the widget behaves the same.
WORDS_PER_DELTA = 4

INTRODUCTION = "This is an automatic answer from our help centre:"
NOT_FOUND = (
    "I'm sorry, I couldn't find this in our help centre. Would you like me to connect you with a person from our team?"
)

_SENTENCE_BREAK = re.compile(r"((?<=[.!?])[ \t]+|[ \t]*\n\s*)")
_SENTENCE_END = (".", "!", "?", ":", ")", '"', "”", "»")


class OfflineProvider:
    name = "offline"
    paid = False

    def is_configured(self, config: AssistantConfig) -> bool:
        return True

    def default_model(self, config: AssistantConfig) -> str:
        return MODEL

    def stream_events(
        self, *, request: CompletionRequest, model: str, config: AssistantConfig
    ) -> AsyncIterator[ProviderEvent]:
        return self._events(request=request)

    async def _events(self, *, request: CompletionRequest) -> AsyncIterator[ProviderEvent]:
        used = relevant_passages(request.passages)
        word_limit = min(WORDS_PER_PASSAGE, request.max_words or WORDS_PER_PASSAGE)
        answer = offline_answer(
            passages=request.passages, used=used, word_limit=word_limit, link_hosts=request.link_hosts
        )
        words = re.findall(r"\S+\s*", answer)
        for start in range(0, len(words), WORDS_PER_DELTA):
            yield TextChunk("".join(words[start : start + WORDS_PER_DELTA]))
        # What it "read" and what it "wrote", with a real tokenizer (cost is 0 regardless).
        input_tokens = count_tokens(request.question) + sum(count_tokens(passage.text) for passage in request.passages)
        yield StreamEnd(
            stop_reason="end_turn",
            input_tokens=input_tokens,
            output_tokens=count_tokens(answer),
            used_passages=used,
        )

    def classify_failure(self, error: Exception) -> Failure | None:
        return None


def relevant_passages(passages: Sequence[Passage]) -> tuple[int, ...]:
    """1-based numbers of the passages worth quoting, best first."""
    ranked = sorted(
        (number for number, passage in enumerate(passages, start=1) if passage.text.strip()),
        key=lambda number: passages[number - 1].score,
        reverse=True,
    )
    if not ranked or passages[ranked[0] - 1].score < RELEVANCE_THRESHOLD:
        return ()
    best_score = passages[ranked[0] - 1].score
    chosen = [
        number
        for number in ranked
        if passages[number - 1].score >= max(RELEVANCE_THRESHOLD, best_score - SECONDARY_MARGIN)
    ]
    return tuple(chosen[:MAX_PASSAGES])


def offline_answer(
    *, passages: Sequence[Passage], used: Sequence[int], word_limit: int, link_hosts: Sequence[str] = ()
) -> str:
    """The quoted passages; a URL in them stays a link only to one of ``link_hosts``."""
    if not used:
        return NOT_FOUND
    blocks = [INTRODUCTION]
    for number in used:
        passage = passages[number - 1]
        quoted = f"{whole_sentences(passage.text, word_limit=word_limit)}\n— {passage_heading(passage)}"
        blocks.append(unlinked(quoted, allowed_hosts=link_hosts))
    return "\n\n".join(blocks)


def whole_sentences(text: str, *, word_limit: int) -> str:
    """The leading whole sentences of ``text`` within ``word_limit`` words (at least one).

    Chunks are cut from documents by size, so a passage may start or end mid-sentence: a
    leading fragment (starts in lower case) and a trailing one (no closing punctuation) are
    left out when there is a whole sentence besides them. Line breaks are kept (lists)."""
    parts = _SENTENCE_BREAK.split(text.strip())
    sentences = [
        (parts[index], parts[index + 1] if index + 1 < len(parts) else "") for index in range(0, len(parts), 2)
    ]
    sentences = [(sentence.strip(), separator) for sentence, separator in sentences if sentence.strip()]
    if len(sentences) > 1 and sentences[0][0][0].islower():
        sentences = sentences[1:]
    if len(sentences) > 1 and not sentences[-1][0].endswith(_SENTENCE_END):
        sentences = sentences[:-1]
    kept: list[str] = []
    words = 0
    for sentence, separator in sentences:
        sentence_words = len(sentence.split())
        if kept and words + sentence_words > word_limit:
            break
        kept.append(sentence + ("\n" if "\n" in separator else " "))
        words += sentence_words
    return "".join(kept).strip()
