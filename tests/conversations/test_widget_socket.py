"""The widget's socket end to end: key and origin, hello, a turn streamed to the socket that
asked, watchers fed through the Redis channel layer, resume, idempotence, refusals."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from conversations.models import Conversation, Event, Message, MessageStatus
from tests.conversations.widget_client import (
    ORIGIN,
    collect_until,
    frames_within,
    is_final_reply,
    receive_type,
    widget_connect,
    widget_hello,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(workspace):
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    return workspace


def run(scenario):
    async_to_sync(scenario)()


@pytest.mark.parametrize(
    ("key", "origin", "code"),
    [
        ("pk_unknown", ORIGIN, 4401),
        ("", ORIGIN, 4401),
        (None, "https://evil.example.net", 4403),
        (None, "not an origin", 4403),
    ],
)
def test_unknown_keys_and_foreign_origins_are_closed_with_a_reason(shop, key, origin, code):
    async def scenario():
        from channels.testing import WebsocketCommunicator

        from chatassist.asgi import application

        path = f"/ws/widget/?key={shop.public_key if key is None else key}"
        communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin.encode())])
        await communicator.connect(timeout=5)
        output = await communicator.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": code}
        await communicator.disconnect()

    run(scenario)


def test_chatassist_own_host_may_embed_the_widget(shop):
    async def scenario():
        communicator = await widget_connect(shop, origin="http://testserver")  # PUBLIC_URL
        ready = await widget_hello(communicator)
        assert ready["visitor_token"]
        await communicator.disconnect()

    run(scenario)


def test_frames_before_hello_and_malformed_frames_get_error_frames_and_the_socket_stays_open(shop):
    async def scenario():
        communicator = await widget_connect(shop)
        await communicator.send_json_to({"type": "message.send", "client_id": "a1", "text": "hi"})
        assert (await receive_type(communicator, "error"))["code"] == "hello_required"
        await communicator.send_to(text_data="{not json")
        assert (await receive_type(communicator, "error"))["code"] == "invalid_json"
        await communicator.send_to(text_data="x" * (64 * 1024 + 1))
        assert (await receive_type(communicator, "error"))["code"] == "frame_too_large"
        await communicator.send_json_to(["a list"])
        assert (await receive_type(communicator, "error"))["code"] == "invalid_frame"
        await communicator.send_json_to({"type": "shout"})
        assert (await receive_type(communicator, "error"))["code"] == "unknown_frame"
        await widget_hello(communicator)
        for bad in (
            {"type": "message.send", "client_id": "has space", "text": "hi"},
            {"type": "message.send", "client_id": "ok", "text": 5},
            {"type": "message.send", "client_id": "ok", "text": "hi", "conversation_id": "1"},
            {"type": "message.send", "client_id": "ok", "text": "hi", "attachment_ids": ["x"]},
            {"type": "resume", "conversation_id": -1, "after_seq": 0},
            {"type": "read", "conversation_id": 1, "seq": True},
            {"type": "csat", "conversation_id": 1, "score": 9},
            {"type": "typing", "conversation_id": 1, "on": "yes"},
        ):
            await communicator.send_json_to(bad)
            error = await receive_type(communicator, "error")
            assert error["code"] in ("invalid_frame", "invalid_client_id", "invalid_score"), bad
            assert error["detail"]
        await communicator.send_json_to({"type": "message.send", "client_id": "e1", "text": "   "})
        error = await receive_type(communicator, "error")
        assert (error["code"], error["client_id"]) == ("empty_message", "e1")
        await communicator.send_json_to({"type": "ping"})
        assert await receive_type(communicator, "pong")
        await communicator.disconnect()

    run(scenario)


def test_a_turn_streams_to_the_socket_that_asked_and_ends_with_the_stored_reply(shop, help_centre, offline_only):
    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to(
            {"type": "message.send", "client_id": "m1", "text": "How do I reset my API key?"}
        )
        frames = await collect_until(communicator, is_final_reply)
        created = next(f for f in frames if f["type"] == "message.created")
        assert created["message"]["seq"] == 1 and created["message"]["client_id"] == "m1"
        deltas = [f for f in frames if f["type"] == "delta"]
        assert deltas, "the reply streams"
        text = ""
        for delta in deltas:
            assert delta["offset"] == len(text)
            text += delta["text"]
        completed = frames[-1]
        assert completed["message"]["seq"] == 2
        assert completed["message"]["sender"] == "ai"
        assert completed["message"]["text"] == text.strip()
        assert completed["message"]["citations"]
        typing = [f for f in frames if f["type"] == "typing"]
        # The asker has the reply as ``completed``; the group's copy is not echoed back to it.
        later = []
        while not await communicator.receive_nothing(timeout=0.5):
            later.append(await communicator.receive_json_from())
        assert not [f for f in later if f["type"] in ("message.created", "completed")], later
        assert typing[0] == {
            "type": "typing",
            "conversation_id": created["conversation_id"],
            "sender": "ai",
            "on": True,
        }
        await communicator.disconnect()
        conversation = await sync_to_async(Conversation.objects.get)(pk=created["conversation_id"])
        assert conversation.channel == "widget"
        reply = await sync_to_async(Message.objects.get)(conversation=conversation, seq=2)
        assert reply.status == MessageStatus.DELIVERED

    run(scenario)


def test_the_socket_that_asked_gets_what_arrived_in_each_interval_as_one_frame(
    shop, help_centre, anthropic_on_vendor_server, settings
):
    from assistant.testing.vendor_formats import MESSAGES
    from assistant.testing.vendor_server import ScriptedResponse

    settings.CHAT_DELTA_INTERVAL_MS = 50
    words = [f"word{number}" for number in range(60)]
    anthropic_on_vendor_server.enqueue(
        MESSAGES, ScriptedResponse(text=" ".join(words) + " ⟦confidence=0.8⟧", token_delay=0.01)
    )

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "m1", "text": "Tell me"})
        frames = await collect_until(communicator, is_final_reply)
        deltas = [f for f in frames if f["type"] == "delta"]
        text = ""
        for delta in deltas:
            assert delta["offset"] == len(text)
            text += delta["text"]
        assert text.split() == words == frames[-1]["message"]["text"].split()
        # 60 tokens 10 ms apart: a frame every 50 ms carries several; none is lost or repeated.
        assert 2 <= len(deltas) < len(words) / 2
        await communicator.disconnect()

    run(scenario)


def test_another_tab_watches_through_the_channel_layer_and_ends_with_the_same_message(
    shop, help_centre, anthropic_on_vendor_server, settings
):
    from assistant.testing.vendor_formats import MESSAGES
    from assistant.testing.vendor_server import ScriptedResponse

    # The asker gets every token as its own frame here, to compare with the watcher's.
    settings.CHAT_DELTA_INTERVAL_MS = 0

    answer = " ".join(f"word{number}" for number in range(60)) + " ⟦confidence=0.8⟧"
    anthropic_on_vendor_server.enqueue(
        MESSAGES,
        ScriptedResponse(text="Hello! ⟦confidence=0.8⟧"),
        ScriptedResponse(text=answer, token_delay=0.02),
    )

    async def scenario():
        asking = await widget_connect(shop)
        ready = await widget_hello(asking)
        await asking.send_json_to({"type": "message.send", "client_id": "m1", "text": "Hi"})
        conversation_id = (await receive_type(asking, "message.created"))["conversation_id"]
        await collect_until(asking, is_final_reply)
        # The other tab is subscribed (resume answered) before the streamed reply starts.
        watching = await widget_connect(shop)
        await widget_hello(watching, visitor_token=ready["visitor_token"])
        await watching.send_json_to({"type": "resume", "conversation_id": conversation_id, "after_seq": 2})
        await receive_type(watching, "conversation.updated")
        await asking.send_json_to(
            {"type": "message.send", "conversation_id": conversation_id, "client_id": "m2", "text": "Tell me more"}
        )
        asked = await collect_until(asking, is_final_reply)
        watched = await collect_until(
            watching, lambda f: f["type"] == "message.created" and f["message"]["sender"] == "ai"
        )
        final = watched[-1]
        assert final["message"] == asked[-1]["message"] | {"status": final["message"]["status"]}
        assert final["stream_id"] == asked[-1]["stream_id"]
        assert [f["message"]["seq"] for f in watched if f["type"] == "message.created"] == [3, 4]
        # Coalesced: the watcher gets the whole text so far a few times a second, not every token.
        watched_deltas = [f for f in watched if f["type"] == "delta"]
        assert watched_deltas and all(f["offset"] == 0 for f in watched_deltas)
        assert len(watched_deltas) < len([f for f in asked if f["type"] == "delta"]) / 3
        assert final["message"]["text"].startswith(watched_deltas[-1]["text"].strip())
        await asking.disconnect()
        await watching.disconnect()

    run(scenario)


def test_a_dropped_socket_loses_nothing_the_reply_finishes_and_resume_delivers_it(
    shop, help_centre, anthropic_on_vendor_server
):
    from assistant.testing.vendor_formats import MESSAGES
    from assistant.testing.vendor_server import ScriptedResponse

    answer = "To reset an API key open Settings, then API keys, and choose Regenerate. ⟦confidence=0.9⟧"
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text=answer, token_delay=0.03))

    async def scenario():
        first = await widget_connect(shop)
        ready = await widget_hello(first)
        await first.send_json_to({"type": "message.send", "client_id": "m1", "text": "How do I reset my API key?"})
        created = await receive_type(first, "message.created")
        await receive_type(first, "delta")
        await first.disconnect()  # mid-reply
        conversation_id = created["conversation_id"]
        for _ in range(100):
            if await sync_to_async(Message.objects.filter(conversation_id=conversation_id, seq=2).exists)():
                break
            await __import__("asyncio").sleep(0.1)
        second = await widget_connect(shop)
        await widget_hello(second, visitor_token=ready["visitor_token"])
        await second.send_json_to({"type": "resume", "conversation_id": conversation_id, "after_seq": 1})
        missed = await receive_type(second, "message.created")
        assert missed["message"]["seq"] == 2
        assert missed["message"]["text"].startswith("To reset an API key open Settings")
        assert "⟦" not in missed["message"]["text"]
        updated = await receive_type(second, "conversation.updated")
        assert updated["conversation"]["last_seq"] == 2
        await second.disconnect()

    run(scenario)


def test_a_message_resent_with_the_same_client_id_is_stored_once(shop, help_centre, offline_only):
    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "same-1", "text": "Hello there"})
        first = await receive_type(communicator, "message.created")
        await collect_until(communicator, is_final_reply)
        # The first message of a conversation re-sent before its id reached the client.
        await communicator.send_json_to({"type": "message.send", "client_id": "same-1", "text": "Hello there"})
        again = await receive_type(communicator, "message.created", "error")
        assert again["type"] == "message.created"
        assert again["conversation_id"] == first["conversation_id"]
        await communicator.send_json_to(
            {
                "type": "message.send",
                "conversation_id": first["conversation_id"],
                "client_id": "same-1",
                "text": "Hello there",
            }
        )
        acknowledged = await receive_type(communicator, "message.created")
        assert acknowledged["message"]["seq"] == first["message"]["seq"]
        # No second turn. (The first reply's delivery receipt may still be on its way.)
        later = await frames_within(communicator, 1)
        assert [frame for frame in later if frame["type"] != "status"] == []
        await communicator.disconnect()
        assert await sync_to_async(Message.objects.filter(client_id="same-1").count)() == 1
        assert await sync_to_async(Conversation.objects.count)() == 1
        assert await sync_to_async(Message.objects.count)() == 2

    run(scenario)


def test_too_many_messages_are_refused_with_retry_after_and_nothing_accepted_is_lost(shop, settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 3
    shop.allowed_origins = [ORIGIN]

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        # Agents hold the conversation, so the AI stays quiet and the test is only about limits.
        await communicator.send_json_to({"type": "message.send", "client_id": "r0", "text": "one"})
        created = await receive_type(communicator, "message.created")
        conversation_id = created["conversation_id"]
        await sync_to_async(Conversation.objects.filter(pk=conversation_id).update)(status="escalated")
        for number in (1, 2):
            await communicator.send_json_to(
                {"type": "message.send", "conversation_id": conversation_id, "client_id": f"r{number}", "text": "more"}
            )
            assert (await receive_type(communicator, "message.created", "error"))["type"] == "message.created"
        await communicator.send_json_to(
            {"type": "message.send", "conversation_id": conversation_id, "client_id": "r3", "text": "too many"}
        )
        refused = await receive_type(communicator, "error")
        assert refused["code"] == "rate_limited"
        assert refused["client_id"] == "r3"
        assert 0 < refused["retry_after"] <= 60
        await communicator.disconnect()
        stored = Message.objects.filter(sender="customer").order_by("seq").values_list("client_id", flat=True)
        assert await sync_to_async(list)(stored) == ["r0", "r1", "r2"]

    run(scenario)


def test_another_visitors_and_another_workspaces_conversations_look_missing(shop, other_workspace, offline_only):
    other_workspace.allowed_origins = [ORIGIN]
    other_workspace.save()

    async def scenario():
        owner = await widget_connect(shop)
        await widget_hello(owner)
        await owner.send_json_to({"type": "message.send", "client_id": "p1", "text": "private question"})
        conversation_id = (await receive_type(owner, "message.created"))["conversation_id"]
        for workspace in (shop, other_workspace):
            stranger = await widget_connect(workspace)
            await widget_hello(stranger)
            for frame in (
                {"type": "resume", "conversation_id": conversation_id, "after_seq": 0},
                {"type": "message.send", "conversation_id": conversation_id, "client_id": "x", "text": "hi"},
                {"type": "read", "conversation_id": conversation_id, "seq": 1},
                {"type": "csat", "conversation_id": conversation_id, "score": 1},
            ):
                await stranger.send_json_to(frame)
                assert (await receive_type(stranger, "error"))["code"] == "conversation_not_found"
            await stranger.disconnect()
        await owner.disconnect()

    run(scenario)


def test_resolve_then_rate_and_read_receipts(shop, help_centre, offline_only):
    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "q1", "text": "How do refunds work?"})
        conversation_id = (await receive_type(communicator, "message.created"))["conversation_id"]
        await collect_until(communicator, is_final_reply)
        await communicator.send_json_to({"type": "csat", "conversation_id": conversation_id, "score": 5})
        assert (await receive_type(communicator, "error"))["code"] == "conversation_not_resolved"
        await communicator.send_json_to({"type": "read", "conversation_id": conversation_id, "seq": 2})
        status = await receive_type(communicator, "status")
        while status["status"] != "read":  # "delivered" came first, when the reply reached the socket
            status = await receive_type(communicator, "status")
        assert status == {"type": "status", "conversation_id": conversation_id, "up_to_seq": 2, "status": "read"}
        await communicator.send_json_to({"type": "resolve", "conversation_id": conversation_id})
        updated = await receive_type(communicator, "conversation.updated")
        assert (updated["conversation"]["status"], updated["conversation"]["resolved_by"]) == ("resolved", "ai")
        await communicator.send_json_to(
            {"type": "csat", "conversation_id": conversation_id, "score": 4, "comment": "Quick, thanks"}
        )
        rated = await receive_type(communicator, "conversation.updated")
        while rated["conversation"]["csat_score"] is None:  # the resolve's own broadcast came first
            rated = await receive_type(communicator, "conversation.updated")
        assert rated["conversation"]["csat_score"] == 4
        await communicator.disconnect()
        types = await sync_to_async(list)(Event.objects.order_by("pk").values_list("type", flat=True))
        assert types[-2:] == ["conversation_resolved", "csat_received"]

    run(scenario)
