"""The vendor server itself, through the official SDKs: what it sends is what the vendors send."""

import asyncio
import base64
import struct

import anthropic
import openai
import pytest

from assistant.testing.vendor_server import (
    CHAT_COMPLETIONS,
    EMBEDDINGS,
    MESSAGES,
    ScriptedResponse,
    embedding_vector,
    split_words,
)


def anthropic_client(server) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="test", base_url=server.anthropic_base_url, max_retries=0)


def openai_client(server) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="test", base_url=server.openai_base_url, max_retries=0)


USER_HELLO = [{"role": "user", "content": "Hello"}]


def test_anthropic_stream_has_the_messages_api_event_sequence(vendor_server):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(tokens=("Hi", " there"), input_tokens=12, output_tokens=2))

    async def run() -> list:
        client = anthropic_client(vendor_server)
        events = await client.messages.create(model="claude-haiku-4-5", max_tokens=50, messages=USER_HELLO, stream=True)
        return [event async for event in events]

    events = asyncio.run(run())

    assert [event.type for event in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the SDK skips the ping
    assert events[0].message.model == "claude-haiku-4-5"
    assert events[0].message.usage.input_tokens == 12
    assert [event.delta.text for event in events[2:4]] == ["Hi", " there"]
    assert events[5].delta.stop_reason == "end_turn"
    assert events[5].usage.output_tokens == 2


def test_anthropic_stream_helper_accumulates_the_final_message(vendor_server):
    async def run():
        client = anthropic_client(vendor_server)
        async with client.messages.stream(model="claude-haiku-4-5", max_tokens=50, messages=USER_HELLO) as stream:
            return await stream.get_final_message()

    message = asyncio.run(run())

    assert message.content[0].text == vendor_server.default_text
    assert message.stop_reason == "end_turn"


def test_anthropic_non_streaming_message(vendor_server):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Plain answer", input_tokens=3, output_tokens=2))

    async def run():
        return await anthropic_client(vendor_server).messages.create(
            model="claude-haiku-4-5", max_tokens=50, messages=USER_HELLO
        )

    message = asyncio.run(run())

    assert message.content[0].text == "Plain answer"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (3, 2)


@pytest.mark.parametrize(
    ("status", "exception", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
def test_anthropic_errors_have_the_vendors_shape(vendor_server, status, exception, error_type):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(status, message="Nope", retry_after="3"))

    async def run():
        await anthropic_client(vendor_server).messages.create(model="m", max_tokens=5, messages=USER_HELLO)

    with pytest.raises(exception) as raised:
        asyncio.run(run())
    assert raised.value.status_code == status
    assert raised.value.body == {"type": "error", "error": {"type": error_type, "message": "Nope"}}
    assert raised.value.response.headers["retry-after"] == "3"


def test_anthropic_requests_the_real_api_would_refuse_are_refused(vendor_server):
    async def run():
        await anthropic_client(vendor_server).messages.create(
            model="m", max_tokens=5, messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
        )

    with pytest.raises(anthropic.BadRequestError, match="roles must alternate"):
        asyncio.run(run())
    # The refusal did not use up a scripted response.
    assert vendor_server.pending(MESSAGES) == 0


def test_openai_stream_has_role_content_finish_and_usage_chunks(vendor_server):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(tokens=("Hi", " there"), input_tokens=9, output_tokens=2))

    async def run() -> list:
        chunks = await openai_client(vendor_server).chat.completions.create(
            model="gpt-4.1-mini", messages=USER_HELLO, stream=True, stream_options={"include_usage": True}
        )
        return [chunk async for chunk in chunks]

    chunks = asyncio.run(run())

    assert chunks[0].choices[0].delta.role == "assistant"
    assert [chunk.choices[0].delta.content for chunk in chunks[1:3]] == ["Hi", " there"]
    assert chunks[3].choices[0].finish_reason == "stop"
    assert chunks[4].choices == []
    assert (chunks[4].usage.prompt_tokens, chunks[4].usage.completion_tokens) == (9, 2)
    assert all(chunk.object == "chat.completion.chunk" and chunk.model == "gpt-4.1-mini" for chunk in chunks)


def test_openai_stream_without_include_usage_sends_no_usage(vendor_server):
    async def run() -> list:
        chunks = await openai_client(vendor_server).chat.completions.create(
            model="gpt-4.1-mini", messages=USER_HELLO, stream=True
        )
        return [chunk async for chunk in chunks]

    assert all(chunk.usage is None for chunk in asyncio.run(run()))


def test_openai_non_streaming_completion(vendor_server):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text="Plain answer", stop_reason="max_tokens"))

    async def run():
        return await openai_client(vendor_server).chat.completions.create(model="gpt-4.1-mini", messages=USER_HELLO)

    completion = asyncio.run(run())

    assert completion.choices[0].message.content == "Plain answer"
    assert completion.choices[0].finish_reason == "length"


def test_openai_errors_have_the_vendors_shape(vendor_server):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse.error(429, message="Slow down", retry_after_ms="1500"))

    async def run():
        await openai_client(vendor_server).chat.completions.create(model="gpt-4.1-mini", messages=USER_HELLO)

    with pytest.raises(openai.RateLimitError) as raised:
        asyncio.run(run())
    assert raised.value.body == {
        "message": "Slow down",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    assert raised.value.response.headers["retry-after-ms"] == "1500"


def test_embeddings_are_deterministic_and_respect_dimensions(vendor_server):
    async def run():
        client = openai_client(vendor_server)
        as_base64 = await client.embeddings.create(model="text-embedding-3-small", input=["a", "b"], dimensions=8)
        as_floats = await client.embeddings.create(
            model="text-embedding-3-small", input="a", dimensions=8, encoding_format="float"
        )
        default_size = await client.embeddings.create(model="text-embedding-3-small", input="a")
        return as_base64, as_floats, default_size

    as_base64, as_floats, default_size = asyncio.run(run())

    assert [len(item.embedding) for item in as_base64.data] == [8, 8]
    assert as_base64.data[0].embedding == pytest.approx(as_floats.data[0].embedding, abs=1e-6)
    assert as_base64.data[0].embedding != pytest.approx(as_base64.data[1].embedding)
    assert as_floats.data[0].embedding == pytest.approx(embedding_vector("a", dimensions=8))
    assert len(default_size.data[0].embedding) == 1536
    assert as_base64.usage.total_tokens == 2
    (first_request, *_) = vendor_server.requests_to(EMBEDDINGS)
    assert first_request.body["encoding_format"] == "base64"  # the SDK's own default


def test_embedding_vectors_are_unit_length():
    vector = embedding_vector("hello", dimensions=64)
    packed = base64.b64encode(struct.pack("<64f", *vector))

    assert sum(value * value for value in vector) == pytest.approx(1.0)
    assert len(base64.b64decode(packed)) == 64 * 4


def test_every_request_is_recorded_with_headers_and_body(vendor_server):
    async def run():
        await openai_client(vendor_server).chat.completions.create(model="gpt-4.1-mini", messages=USER_HELLO)

    asyncio.run(run())

    (request,) = vendor_server.requests
    assert (request.endpoint, request.method, request.path) == (CHAT_COMPLETIONS, "POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer test"
    assert request.body["messages"] == USER_HELLO


def test_split_words_keeps_the_text_intact():
    text = "  Hello,  world!\nNew line ⟦confidence=0.9⟧"

    assert "".join(split_words(text)) == text
    assert split_words("") == []
