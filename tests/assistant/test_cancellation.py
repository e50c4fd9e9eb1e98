"""A customer who leaves stops the vendor's stream: the HTTP connection is closed at once."""

import asyncio
import contextlib

from assistant import Delta, stream
from assistant.testing.vendor_server import CHAT_COMPLETIONS, MESSAGES, ScriptedResponse
from tests.assistant.streaming import make_request

LONG_ANSWER = " ".join(f"word{number}" for number in range(200))


def test_closing_the_stream_closes_the_anthropic_connection(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text=LONG_ANSWER, token_delay=0.05))

    async def read_one_delta_then_leave() -> bool:
        events = stream(make_request(), config=make_config())
        assert isinstance(await anext(events), Delta)
        await events.aclose()
        # Checked while the event loop is alive, so a garbage-collected socket cannot pass for it.
        return await asyncio.to_thread(vendor_server.wait_for_disconnect, timeout=5)

    assert asyncio.run(read_one_delta_then_leave())
    (disconnect,) = vendor_server.disconnects
    assert disconnect.endpoint == "messages"
    assert disconnect.tokens_sent < 200


def test_closing_the_stream_closes_the_openai_connection(vendor_server, make_config):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text=LONG_ANSWER, token_delay=0.05))

    async def read_one_delta_then_leave() -> bool:
        events = stream(make_request(), config=make_config(provider="openai"))
        assert isinstance(await anext(events), Delta)
        await events.aclose()
        return await asyncio.to_thread(vendor_server.wait_for_disconnect, timeout=5)

    assert asyncio.run(read_one_delta_then_leave())
    assert vendor_server.disconnects[0].endpoint == "chat_completions"


def test_cancelling_the_task_closes_the_connection(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text=LONG_ANSWER, token_delay=0.05))

    async def cancel_after_first_delta() -> tuple[bool, int]:
        first_delta = asyncio.Event()
        received = 0

        async def consume() -> None:
            nonlocal received
            async for event in stream(make_request(), config=make_config()):
                if isinstance(event, Delta):
                    received += 1
                    first_delta.set()

        task = asyncio.create_task(consume())
        await first_delta.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return await asyncio.to_thread(vendor_server.wait_for_disconnect, timeout=5), received

    disconnected, received = asyncio.run(cancel_after_first_delta())
    assert disconnected
    assert received < 200


def test_cancelling_while_waiting_for_the_first_token_closes_the_connection(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(first_token_delay=30))

    async def cancel_while_waiting() -> bool:
        task = asyncio.create_task(anext(stream(make_request(), config=make_config())))
        while not vendor_server.requests_to(MESSAGES):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # let the stream open (headers, message_start)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return await asyncio.to_thread(vendor_server.wait_for_disconnect, timeout=5)

    assert asyncio.run(cancel_while_waiting())
    assert vendor_server.disconnects[0].tokens_sent == 0
