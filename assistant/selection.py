"""Which providers answer a request, in order: the primary, the fallback, then offline.

"auto" as the primary means the first configured of anthropic (an API key), openai (an API
key), openai_compatible (a base URL), else offline. "auto" as the fallback means the next
configured one after the primary in that same order. Offline always comes last, so a
customer always gets an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.config import AssistantConfig
from assistant.providers import ANTHROPIC, OFFLINE, OPENAI, OPENAI_COMPATIBLE, PROVIDERS
from assistant.types import CompletionRequest

AUTO = "auto"
AUTO_ORDER = (ANTHROPIC, OPENAI, OPENAI_COMPATIBLE)


@dataclass(frozen=True)
class PlannedProvider:
    name: str
    model: str


def provider_plan(
    *, request: CompletionRequest, config: AssistantConfig, budget_exceeded: bool = False
) -> tuple[PlannedProvider, ...]:
    """The providers to try, in order, each with its model. A name that is unknown or not
    configured stays in the plan, so that the attempt records why it was skipped."""
    if budget_exceeded:
        return (PlannedProvider(OFFLINE, OFFLINE),)
    primary = _primary(request.provider or config.provider, config)
    fallback = _fallback(config.fallback_provider, primary=primary, config=config)
    candidates = [
        PlannedProvider(primary, _model(primary, request.model, config)),
        PlannedProvider(fallback, _model(fallback, request.fallback_model, config)),
        PlannedProvider(OFFLINE, OFFLINE),
    ]
    plan: list[PlannedProvider] = []
    for candidate in candidates:
        # The same provider may appear twice with two models (Sonnet, then Haiku).
        if candidate not in plan:
            plan.append(candidate)
    return tuple(plan)


def language_model_planned(*, request: CompletionRequest, config: AssistantConfig) -> bool:
    """Whether a configured language model (anything but offline) would be asked: work that
    only a model can do (an escalation's handoff summary) is not worth queueing otherwise."""
    return any(
        planned.name != OFFLINE and planned.name in PROVIDERS and PROVIDERS[planned.name].is_configured(config)
        for planned in provider_plan(request=request, config=config)
    )


def configured_providers(config: AssistantConfig) -> list[str]:
    return [name for name in AUTO_ORDER if PROVIDERS[name].is_configured(config)]


def _primary(name: str, config: AssistantConfig) -> str:
    name = name.strip().lower()
    if name != AUTO:
        return name
    configured = configured_providers(config)
    return configured[0] if configured else OFFLINE


def _fallback(name: str, *, primary: str, config: AssistantConfig) -> str:
    name = name.strip().lower()
    if name != AUTO:
        return name
    if primary not in AUTO_ORDER:
        return OFFLINE
    later = AUTO_ORDER[AUTO_ORDER.index(primary) + 1 :]
    return next((other for other in later if PROVIDERS[other].is_configured(config)), OFFLINE)


def _model(name: str, requested: str, config: AssistantConfig) -> str:
    provider = PROVIDERS.get(name)
    if provider is None:
        return requested
    if name == OFFLINE:
        return OFFLINE
    return requested or provider.default_model(config)
