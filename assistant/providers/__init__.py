"""The providers by name. Importing this does not import any vendor SDK (each provider
imports its own on first use)."""

from __future__ import annotations

from assistant.providers.anthropic_messages import AnthropicProvider
from assistant.providers.base import Provider
from assistant.providers.offline import OfflineProvider
from assistant.providers.openai_chat import OpenAIChatProvider

ANTHROPIC = "anthropic"
OPENAI = "openai"
OPENAI_COMPATIBLE = "openai_compatible"
OFFLINE = "offline"

PROVIDERS: dict[str, Provider] = {
    ANTHROPIC: AnthropicProvider(),
    OPENAI: OpenAIChatProvider(name=OPENAI, compatible=False),
    OPENAI_COMPATIBLE: OpenAIChatProvider(name=OPENAI_COMPATIBLE, compatible=True),
    OFFLINE: OfflineProvider(),
}
