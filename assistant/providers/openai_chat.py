"""OpenAI's Chat Completions API through the official ``openai`` SDK, streamed; and the same
code for any server that speaks it (Ollama, vLLM, llama.cpp) as ``openai_compatible``.

Usage comes from the final chunk that ``stream_options={"include_usage": True}`` asks for.
Compatible servers that never send it get their tokens counted with the local tokenizer,
and the result says the counts are estimates (``usage_estimated``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import prompting
from assistant.failures import (
    TIMEOUT,
    Failure,
    IncompleteStreamError,
    classify_generic_failure,
    failure_from_status,
)
from assistant.providers.base import ProviderEvent, StreamEnd, TextChunk
from assistant.providers.client_cache import cached_client
from assistant.token_count import count_tokens

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from assistant.config import AssistantConfig
    from assistant.types import CompletionRequest

# OpenAI's finish reasons in Anthropic's words, so every provider reports alike.
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal", "tool_calls": "tool_use"}
# Per-message framing tokens in the chat format, for estimates only.
_TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True)
class _Connection:
    api_key: str
    base_url: str | None
    model: str


class OpenAIChatProvider:
    paid = True

    def __init__(self, *, name: str, compatible: bool) -> None:
        self.name = name
        self._compatible = compatible

    def _connection(self, config: AssistantConfig) -> _Connection:
        if self._compatible:
            return _Connection(
                config.openai_compatible_api_key or "not-needed",
                config.openai_compatible_base_url,
                config.openai_compatible_model,
            )
        return _Connection(config.openai_api_key, config.openai_base_url, config.openai_model)

    def is_configured(self, config: AssistantConfig) -> bool:
        if self._compatible:
            return bool(config.openai_compatible_base_url)
        return bool(config.openai_api_key)

    def default_model(self, config: AssistantConfig) -> str:
        return self._connection(config).model

    def stream_events(
        self, *, request: CompletionRequest, model: str, config: AssistantConfig
    ) -> AsyncIterator[ProviderEvent]:
        # The client (and on first use the SDK import) is made before the first-token clock
        # starts: that time is ours, not the vendor's.
        return self._events(client=_client(self._connection(config), config), request=request, model=model)

    async def _events(
        self, *, client: AsyncOpenAI, request: CompletionRequest, model: str
    ) -> AsyncIterator[ProviderEvent]:
        messages = [{"role": "system", "content": prompting.system_prompt(request=request)}]
        messages += [{"role": role, "content": text} for role, text in prompting.conversation(request=request)]
        # OpenAI deprecated max_tokens for max_completion_tokens; compatible servers mostly
        # still know only max_tokens.
        limit = {"max_tokens" if self._compatible else "max_completion_tokens": request.max_output_tokens}
        sdk_stream = await client.chat.completions.create(
            model=model,
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
            **limit,
        )
        try:
            finish_reason = ""
            usage = None
            generated: list[str] = []
            async for chunk in sdk_stream:
                if chunk.choices:
                    choice = chunk.choices[0]
                    text = choice.delta.content if choice.delta is not None else None
                    if text:
                        generated.append(text)
                        yield TextChunk(text)
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
                if chunk.usage is not None:
                    usage = chunk.usage
        finally:
            # Also on aclose()/cancellation: closes the HTTP response, so the vendor sees us go.
            await sdk_stream.close()
        if not finish_reason:
            raise IncompleteStreamError("the chat completion stream ended without a finish_reason")
        stop_reason = _STOP_REASONS.get(finish_reason, finish_reason)
        if usage is not None:
            yield StreamEnd(
                stop_reason=stop_reason,
                input_tokens=usage.prompt_tokens or 0,
                output_tokens=usage.completion_tokens or 0,
            )
        else:
            yield StreamEnd(
                stop_reason=stop_reason,
                input_tokens=sum(count_tokens(message["content"]) + _TOKENS_PER_MESSAGE for message in messages),
                output_tokens=count_tokens("".join(generated)),
                usage_estimated=True,
            )

    def classify_failure(self, error: Exception) -> Failure | None:
        import openai

        if isinstance(error, openai.APIStatusError):
            return failure_from_status(
                status_code=error.status_code,
                vendor_error_type=error.type or error.code or "",
                message=_vendor_message(error),
                headers=error.response.headers,
            )
        if isinstance(error, openai.APITimeoutError):
            return Failure(kind=TIMEOUT, retryable=True, message="the request timed out")
        if isinstance(error, openai.APIConnectionError):
            # The transport error underneath says whether we never connected or lost the line.
            cause = error.__cause__
            return classify_generic_failure(cause if isinstance(cause, Exception) else OSError(error.message))
        if isinstance(error, openai.APIError):
            # An {"error": ...} chunk inside a 200 stream.
            return failure_from_status(status_code=200, vendor_error_type=error.type or "", message=error.message)
        return None


def _vendor_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return str(getattr(error, "message", "") or error)


def _client(connection: _Connection, config: AssistantConfig) -> AsyncOpenAI:
    key = ("openai", connection.api_key, connection.base_url, config.connect_timeout, config.total_timeout)

    def build() -> AsyncOpenAI:
        import openai

        timeout = openai.Timeout(config.total_timeout, connect=config.connect_timeout)
        return openai.AsyncOpenAI(
            api_key=connection.api_key,
            base_url=connection.base_url,
            # Retries are ours (assistant/reliability.py); for the HTTP client, see anthropic_messages.py.
            max_retries=0,
            timeout=timeout,
            http_client=openai.DefaultAsyncHttpxClient(timeout=timeout),
        )

    return cached_client(key, build)
