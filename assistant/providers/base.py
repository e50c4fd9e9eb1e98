"""What every provider implements, and the events a provider's stream produces.

A provider knows one vendor's wire format and nothing about retries, fallback, trailers or
accounting: ``assistant/reliability.py`` does those for all of them alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistant.config import AssistantConfig
    from assistant.failures import Failure
    from assistant.types import CompletionRequest


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Raw model text, trailer included (reliability strips it)."""

    text: str


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Usage known before the end (Anthropic's message_start), so a stream that breaks off
    still accounts for the input it was billed for."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The vendor finished the answer. Stop reasons use Anthropic's names: "end_turn",
    "max_tokens", "stop_sequence" (or the vendor's own word when there is no equivalent)."""

    stop_reason: str
    input_tokens: int
    output_tokens: int
    usage_estimated: bool = False
    # 1-based passage numbers the answer used, for providers that know them (offline);
    # None = parse the [n] citations out of the text.
    used_passages: tuple[int, ...] | None = None


ProviderEvent = TextChunk | UsageReport | StreamEnd


class Provider(Protocol):
    name: str
    # Paid providers are skipped when the workspace's token budget is used up.
    paid: bool

    def is_configured(self, config: AssistantConfig) -> bool:
        """Whether the configuration has what this provider needs (a key, a base URL)."""
        ...

    def default_model(self, config: AssistantConfig) -> str: ...

    def stream_events(
        self, *, request: CompletionRequest, model: str, config: AssistantConfig
    ) -> AsyncIterator[ProviderEvent]:
        """Text chunks, then exactly one ``StreamEnd``. Called before the first-token clock
        starts, so slow set-up (SDK import, client construction) belongs here, not in the
        iteration. Iterating raises the SDK's own errors; closing the iterator early
        (``aclose()``) closes the HTTP connection to the vendor."""
        ...

    def classify_failure(self, error: Exception) -> Failure | None:
        """This SDK's exceptions as a ``Failure``; None for errors it does not know."""
        ...
