"""ChatAssist's language-model layer: plain Python in, plain Python out (no Django models).

    from assistant import CompletionRequest, stream

    async for event in stream(request):
        ...  # Delta, at most one Interrupted, then exactly one CompletionResult

See docs/assistant.md for providers, retries and fallback, the budget, accounting and the
confidence score.
"""

from assistant.config import AssistantConfig
from assistant.reliability import stream
from assistant.types import (
    Attempt,
    Citation,
    CompletionRequest,
    CompletionResult,
    Delta,
    Example,
    Interrupted,
    Passage,
    StreamEvent,
    Turn,
)

__all__ = [
    "AssistantConfig",
    "Attempt",
    "Citation",
    "CompletionRequest",
    "CompletionResult",
    "Delta",
    "Example",
    "Interrupted",
    "Passage",
    "StreamEvent",
    "Turn",
    "stream",
]
