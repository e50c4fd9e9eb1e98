"""Fixtures for the assistant's tests: plain async code against a local vendor server (the
``vendor_server`` fixture of tests/conftest.py), no database. Coroutines run with
``asyncio.run`` (see streaming.py); nothing waits on wall time except the short timeouts
that are the point of a test."""

import pytest

from assistant import AssistantConfig

ANTHROPIC_KEY = "sk-ant-test-key-never-logged"
OPENAI_KEY = "sk-openai-test-key-never-logged"
# claude-sonnet-4-6, the settings' default (the SDK warns that 4-5 reaches end of life on
# 2026-11-30).
ANTHROPIC_MODEL = "claude-sonnet-4-6"
PRICES = {
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "offline": (0.0, 0.0),
}


class RecordedSleeps(list):
    """An injected ``sleep`` that records each back-off delay instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return RecordedSleeps()


@pytest.fixture
def make_config(vendor_server, sleeps):
    """Anthropic first, OpenAI as fallback, both on the vendor server; back-off recorded, with
    the jitter pinned to its maximum so delays are exact."""

    def make(**overrides) -> AssistantConfig:
        values = {
            "provider": "anthropic",
            "fallback_provider": "openai",
            "anthropic_api_key": ANTHROPIC_KEY,
            "anthropic_base_url": vendor_server.anthropic_base_url,
            "anthropic_model": ANTHROPIC_MODEL,
            "openai_api_key": OPENAI_KEY,
            "openai_base_url": vendor_server.openai_base_url,
            "openai_compatible_base_url": vendor_server.openai_base_url,
            "connect_timeout": 2.0,
            "first_token_timeout": 5.0,
            "total_timeout": 20.0,
            "max_attempts": 3,
            "model_prices": PRICES,
            "sleep": sleeps,
            "jitter_fraction": lambda: 1.0,
        }
        values.update(overrides)
        return AssistantConfig(**values)

    return make
