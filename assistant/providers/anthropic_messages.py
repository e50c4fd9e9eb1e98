"""Anthropic's Messages API through the official ``anthropic`` SDK, streamed.

The SDK is imported on first use: it takes about a second to import, which a deployment that
only answers offline should not pay at start-up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from assistant import prompting
from assistant.failures import (
    TIMEOUT,
    Failure,
    IncompleteStreamError,
    classify_generic_failure,
    failure_from_status,
)
from assistant.providers.base import ProviderEvent, StreamEnd, TextChunk, UsageReport
from assistant.providers.client_cache import cached_client

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

    from assistant.config import AssistantConfig
    from assistant.types import CompletionRequest


class AnthropicProvider:
    name = "anthropic"
    paid = True

    def is_configured(self, config: AssistantConfig) -> bool:
        return bool(config.anthropic_api_key)

    def default_model(self, config: AssistantConfig) -> str:
        return config.anthropic_model

    def stream_events(
        self, *, request: CompletionRequest, model: str, config: AssistantConfig
    ) -> AsyncIterator[ProviderEvent]:
        # The client (and on first use the SDK import, about a second) is made here, before
        # the caller starts the first-token clock: that time is ours, not the vendor's.
        return self._events(client=_client(config), request=request, model=model)

    async def _events(
        self, *, client: AsyncAnthropic, request: CompletionRequest, model: str
    ) -> AsyncIterator[ProviderEvent]:
        sdk_stream = await client.messages.create(
            model=model,
            max_tokens=request.max_output_tokens,
            system=prompting.system_prompt(request=request),
            messages=[{"role": role, "content": text} for role, text in prompting.conversation(request=request)],
            stream=True,
        )
        try:
            input_tokens = 0
            output_tokens = 0
            stop_reason = ""
            finished = False
            # Read to the very end even after message_stop: a response closed before its last
            # bytes cannot go back to the connection pool, and the next request would pay
            # for a new connection (a TLS handshake, in production).
            async for event in sdk_stream:
                kind = event.type
                if kind == "content_block_delta":
                    if event.delta.type == "text_delta" and event.delta.text:
                        yield TextChunk(event.delta.text)
                elif kind == "message_start":
                    usage = event.message.usage
                    input_tokens = usage.input_tokens or 0
                    output_tokens = usage.output_tokens or 0
                    yield UsageReport(input_tokens=input_tokens, output_tokens=output_tokens)
                elif kind == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    # Cumulative counts; newer API versions repeat input_tokens here.
                    output_tokens = event.usage.output_tokens or output_tokens
                    input_tokens = getattr(event.usage, "input_tokens", None) or input_tokens
                elif kind == "message_stop":
                    finished = True
        finally:
            # Also on aclose()/cancellation: closes the HTTP response, so the vendor sees us go.
            await sdk_stream.close()
        if not finished:
            raise IncompleteStreamError("the Anthropic stream ended without message_stop")
        yield StreamEnd(stop_reason=stop_reason or "end_turn", input_tokens=input_tokens, output_tokens=output_tokens)

    def classify_failure(self, error: Exception) -> Failure | None:
        import anthropic

        if isinstance(error, anthropic.APIStatusError):
            return failure_from_status(
                status_code=error.status_code,
                vendor_error_type=error.type or "",
                message=error.api_message or error.message,
                headers=error.response.headers,
            )
        if isinstance(error, anthropic.APITimeoutError):
            return Failure(kind=TIMEOUT, retryable=True, message="the request timed out")
        if isinstance(error, anthropic.APIConnectionError):
            # The transport error underneath says whether we never connected or lost the line.
            cause = error.__cause__
            return classify_generic_failure(cause if isinstance(cause, Exception) else OSError(error.message))
        return None


def _client(config: AssistantConfig) -> AsyncAnthropic:
    key = (
        "anthropic",
        config.anthropic_api_key,
        config.anthropic_base_url,
        config.connect_timeout,
        config.total_timeout,
    )

    def build() -> AsyncAnthropic:
        import anthropic

        # connect bounds the TCP/TLS handshake; read bounds any single wait for bytes.
        timeout = anthropic.Timeout(config.total_timeout, connect=config.connect_timeout)
        return anthropic.AsyncAnthropic(
            api_key=config.anthropic_api_key,
            base_url=config.anthropic_base_url,
            # Retries are ours (assistant/reliability.py): the SDK's would hide attempts and
            # ignore our first-token timeout and fallback.
            max_retries=0,
            timeout=timeout,
            # Our own HTTP client (with the SDK's defaults) rather than the SDK's, whose
            # finaliser schedules its closing on whatever loop runs at garbage collection,
            # which fails for a client left behind by an earlier, closed loop.
            http_client=anthropic.DefaultAsyncHttpxClient(timeout=timeout),
        )

    return cached_client(key, build)
