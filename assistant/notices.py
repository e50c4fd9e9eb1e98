"""The sentences in ``CompletionResult.notice`` and ``Interrupted.reason``: for the agents and
admins who read a conversation (and for a customer, if the caller shows them), so plain
and polite, never a stack trace."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.failures import Failure
from assistant.providers import ANTHROPIC, OFFLINE, OPENAI, OPENAI_COMPATIBLE

_LABELS = {
    ANTHROPIC: "Anthropic",
    OPENAI: "OpenAI",
    OPENAI_COMPATIBLE: "The self-hosted model",
    OFFLINE: "The help centre",
}

BUDGET_EXCEEDED = (
    "This workspace has used up its monthly AI token budget, so this answer comes straight from the help centre."
)
BOTH_FAILED = (
    "Sorry, this answer was cut off because our AI service is having trouble. "
    "Please try again in a moment, or ask to talk to a person."
)
NOTHING_ANSWERED = (
    "Sorry, we could not answer right now because our AI service is having trouble. "
    "Please try again in a moment, or ask to talk to a person."
)


def provider_label(name: str) -> str:
    return _LABELS.get(name, name)


def interruption_reason(*, provider_name: str, failure: Failure) -> str:
    return f"{failure.sentence(provider_label(provider_name))} in the middle of the answer."


def fallback_notice(*, failures: Sequence[tuple[str, Failure]], final_provider: str) -> str:
    """Why the answer comes from a provider other than the first choice."""
    reasons = "; ".join(failure.sentence(provider_label(name)) for name, failure in failures)
    if final_provider == OFFLINE:
        return f"{reasons}, so this answer comes straight from the help centre."
    return f"{reasons}, so {provider_label(final_provider)} answered instead."


def interrupted_notice(*, provider_name: str, failure: Failure, final_provider: str) -> str:
    cause = failure.sentence(provider_label(provider_name))
    if final_provider == OFFLINE:
        return f"The first answer was cut off ({cause}); the new one comes straight from the help centre."
    return f"The first answer was cut off ({cause}); {provider_label(final_provider)} answered again from the start."
