"""Everything the assistant needs to know about its providers, in one immutable value.

Built from Django settings in production (``AssistantConfig.from_django_settings()``) and by
hand in tests, which point the base URLs at the local vendor server and inject a ``sleep``
that records back-off delays instead of waiting.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

# Exponential back-off with full jitter between attempts at one provider (seconds).
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 8.0
# A vendor's retry-after is honoured up to this many seconds; beyond it we would rather
# move on to the fallback than keep the customer waiting.
DEFAULT_RETRY_AFTER_CAP = 30.0


def _jitter_fraction() -> float:
    return random.random()  # noqa: S311 - back-off jitter, not a secret


@dataclass(frozen=True)
class AssistantConfig:
    # "auto", "anthropic", "openai", "openai_compatible" or "offline" (see assistant/selection.py).
    provider: str = "auto"
    fallback_provider: str = "auto"

    # API keys never appear in repr(), so logging a config cannot leak them.
    anthropic_api_key: str = field(default="", repr=False)
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    openai_api_key: str = field(default="", repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4.1-mini"
    openai_compatible_base_url: str | None = None
    openai_compatible_api_key: str = field(default="not-needed", repr=False)
    openai_compatible_model: str = "llama3.1"

    # Seconds: to connect, to the first token of an attempt, for a whole attempt.
    connect_timeout: float = 5.0
    first_token_timeout: float = 20.0
    total_timeout: float = 90.0
    # Attempts per provider (the first try included) before falling back.
    max_attempts: int = 3
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP

    # US dollars per million tokens: model -> (input, output).
    model_prices: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)

    # Injectable for tests: how to wait between attempts, and the jitter in [0, 1).
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    jitter_fraction: Callable[[], float] = field(default=_jitter_fraction, compare=False)

    @classmethod
    def from_django_settings(cls) -> AssistantConfig:
        """The configuration from ``chatassist/settings.py`` ("AI providers (assistant/)")."""
        # Imported here so the rest of the package stays plain Python, usable without Django.
        from django.conf import settings

        return cls(
            provider=settings.ASSISTANT_PROVIDER,
            fallback_provider=settings.ASSISTANT_FALLBACK_PROVIDER,
            anthropic_api_key=settings.ANTHROPIC_API_KEY or "",
            anthropic_base_url=settings.ANTHROPIC_BASE_URL or None,
            anthropic_model=settings.ANTHROPIC_MODEL,
            openai_api_key=settings.OPENAI_API_KEY or "",
            openai_base_url=settings.OPENAI_BASE_URL or None,
            openai_model=settings.OPENAI_MODEL,
            openai_compatible_base_url=settings.OPENAI_COMPATIBLE_BASE_URL or None,
            openai_compatible_api_key=settings.OPENAI_COMPATIBLE_API_KEY or "not-needed",
            openai_compatible_model=settings.OPENAI_COMPATIBLE_MODEL,
            connect_timeout=settings.ASSISTANT_CONNECT_TIMEOUT,
            first_token_timeout=settings.ASSISTANT_FIRST_TOKEN_TIMEOUT,
            total_timeout=settings.ASSISTANT_TOTAL_TIMEOUT,
            max_attempts=max(1, settings.ASSISTANT_MAX_ATTEMPTS),
            model_prices={model: tuple(prices) for model, prices in settings.MODEL_PRICES.items()},
        )
