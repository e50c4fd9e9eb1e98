"""The console's conversation socket (/ws/w/<slug>/conversations/<id>/) against the real ASGI
application and the real Redis channel layer: who may connect, what the agent's frames do,
and what the customer's widget receives."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from accounts import services as account_services
from accounts.models import Membership, Role
from conversations import agent_actions, services
from conversations.models import Conversation, Message, Sender
from tests.conversations.widget_client import frames_within, receive_type
from tests.factories import make_member
from tests.monitor.conftest import console_headers, customer_conversation, monitor_connect, widget_watching

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario):
    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["owner", "agent"])
def test_admins_and_agents_connect(request, conversation, who):
    headers = console_headers(request.getfixturevalue(who))

    async def scenario():
        communicator, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize("who", ["viewer", "outsider", "anonymous"])
def test_viewers_outsiders_and_strangers_are_refused(request, conversation, who):
    headers = console_headers(None if who == "anonymous" else request.getfixturevalue(who))

    async def scenario():
        _communicator, connected, code = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert (connected, code) == (False, 4403)

    run(scenario)


def test_another_workspaces_conversation_looks_missing(conversation, other_workspace, outsider):
    theirs = customer_conversation(other_workspace)
    headers = console_headers(outsider)

    async def scenario():
        # The outsider is an admin of their own workspace: its conversation opens, ours does not.
        communicator, connected, _ = await monitor_connect(other_workspace, theirs.pk, headers)
        assert connected
        await communicator.disconnect()
        _communicator, connected, code = await monitor_connect(other_workspace, conversation.pk, headers)
        assert (connected, code) == (False, 4404)

    run(scenario)


def test_a_foreign_origin_is_refused(conversation, agent):
    headers = console_headers(agent, origin="https://evil.example")

    async def scenario():
        _communicator, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert not connected

    run(scenario)


def test_the_agents_reply_reaches_the_customers_widget_live(conversation, agent):
    headers = console_headers(agent)

    async def scenario():
        widget, _ = await widget_watching(conversation.workspace, conversation.pk, after_seq=1)
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await monitor.send_json_to({"type": "typing", "on": True})
        typing = await receive_type(widget, "typing")
        assert typing == {
            "type": "typing",
            "conversation_id": conversation.pk,
            "sender": "agent",
            "name": agent.display_name,
            "on": True,
        }
        await monitor.send_json_to({"type": "reply", "client_id": "r1", "text": "Hi! Checking your invoice now."})
        ack = await receive_type(monitor, "message.created")
        assert (ack["message"]["sender"], ack["message"]["client_id"]) == ("agent", "r1")
        joined = await receive_type(widget, "message.created")
        assert (joined["message"]["sender"], joined["message"]["text"]) == (
            "system",
            f"{agent.display_name} joined the conversation",
        )
        updated = await receive_type(widget, "conversation.updated")
        assert updated["conversation"]["state"] == "human"
        assert updated["conversation"]["assignee_name"] == agent.display_name
        reply = await receive_type(widget, "message.created")
        assert reply["message"]["sender"] == "agent"
        assert reply["message"]["author_name"] == agent.display_name
        assert reply["message"]["text"] == "Hi! Checking your invoice now."
        assert reply["message"]["seq"] == 3
        # The same client id again: stored once, acknowledged again, nothing new for the customer.
        await frames_within(monitor, 0.3)  # the group's copies of the above
        await monitor.send_json_to({"type": "reply", "client_id": "r1", "text": "Hi! Checking your invoice now."})
        assert (await receive_type(monitor, "message.created"))["message"]["seq"] == 3
        assert not [f for f in await frames_within(widget, 0.5) if f["type"] == "message.created"]
        await monitor.disconnect()
        await widget.disconnect()

    run(scenario)
    assert Message.objects.filter(conversation=conversation, sender=Sender.AGENT).count() == 1


def test_a_reply_from_the_page_reaches_the_widget_through_the_channel_layer(conversation, agent):
    """The page's form calls the service from a web request: the widget hears it after commit."""

    async def scenario():
        widget, _ = await widget_watching(conversation.workspace, conversation.pk, after_seq=1)
        await sync_to_async(agent_actions.agent_reply)(
            conversation=conversation, user=agent, text="From the form", client_id="f1"
        )
        frame = await receive_type(widget, "message.created")
        while frame["message"]["sender"] != "agent":
            frame = await receive_type(widget, "message.created")
        assert frame["message"]["text"] == "From the form"
        await widget.disconnect()

    run(scenario)


def test_the_monitor_hears_the_customer_and_their_typing(conversation, agent):
    headers = console_headers(agent)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        widget, _ = await widget_watching(conversation.workspace, conversation.pk, after_seq=1)
        await widget.send_json_to({"type": "typing", "conversation_id": conversation.pk, "on": True})
        typing = await receive_type(monitor, "typing")
        assert (typing["sender"], typing["on"]) == ("customer", True)
        await sync_to_async(agent_actions.conversation_take_over)(conversation=conversation, user=agent)
        await widget.send_json_to(
            {"type": "message.send", "conversation_id": conversation.pk, "client_id": "c2", "text": "Still there?"}
        )
        created = await receive_type(monitor, "message.created")
        while created["message"]["sender"] != "customer":
            created = await receive_type(monitor, "message.created")
        assert created["message"]["text"] == "Still there?"
        await monitor.disconnect()
        await widget.disconnect()

    run(scenario)


def test_bad_frames_get_error_frames_and_the_socket_stays_open(conversation, agent):
    headers = console_headers(agent)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        for frame, code in (
            ({"type": "launch"}, "unknown_frame"),
            (["a", "list"], "unknown_frame"),
            ({"type": "reply", "client_id": "r1", "text": "   "}, "empty_message"),
            ({"type": "reply", "client_id": "has space", "text": "hi"}, "invalid_client_id"),
            ({"type": "note", "text": 42}, "empty_message"),
        ):
            await monitor.send_json_to(frame)
            error = await receive_type(monitor, "error")
            assert error["code"] == code, frame
            assert error["detail"]
        await monitor.send_to(text_data="{broken")
        assert (await receive_type(monitor, "error"))["code"] == "invalid_json"
        await monitor.send_json_to({"type": "ping"})
        assert await receive_type(monitor, "pong")
        await monitor.disconnect()

    run(scenario)


def test_a_member_demoted_to_viewer_is_disconnected_at_once(conversation, workspace):
    """The role change is announced to the member's own group: closed without waiting for an
    event of the conversation. (A message stored at the very moment of the change may still
    reach the socket first: it came before the change took effect for this socket.)"""
    membership = make_member(workspace=workspace, role=Role.AGENT)
    headers = console_headers(membership.user)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await sync_to_async(account_services.membership_change_role)(membership=membership, role=Role.VIEWER)
        assert await monitor.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}

    run(scenario)
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER


def test_a_viewer_cannot_reply_even_on_an_open_socket(conversation, workspace):
    """The role is read again for every frame: demoted between connect and reply, refused."""
    membership = make_member(workspace=workspace, role=Role.AGENT)
    headers = console_headers(membership.user)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await sync_to_async(Membership.objects.filter(pk=membership.pk).update)(role=Role.VIEWER)
        await monitor.send_json_to({"type": "reply", "client_id": "r1", "text": "Sneaky"})
        assert await monitor.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}

    run(scenario)
    assert not Conversation.objects.get(pk=conversation.pk).messages.filter(sender=Sender.AGENT).exists()


def test_the_ais_reply_streams_into_the_monitor_as_it_types(shop, agent, help_centre, anthropic_on_vendor_server):
    from assistant.testing.vendor_formats import MESSAGES
    from assistant.testing.vendor_server import ScriptedResponse
    from tests.conversations.widget_client import collect_until, is_final_reply, widget_connect, widget_hello
    from tests.monitor.conftest import identity

    answer = " ".join(f"word{number}" for number in range(40)) + " ⟦confidence=0.8⟧"
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text=answer, token_delay=0.03))
    conversation = customer_conversation(shop)
    headers = console_headers(agent)

    async def scenario():
        monitor, connected, _ = await monitor_connect(shop, conversation.pk, headers)
        assert connected
        customer = await widget_connect(shop)
        await widget_hello(customer, identity=identity(shop))
        await customer.send_json_to(
            {"type": "message.send", "conversation_id": conversation.pk, "client_id": "c2", "text": "Tell me more"}
        )
        await collect_until(customer, is_final_reply)
        watched = await collect_until(
            monitor, lambda f: f["type"] == "message.created" and f["message"]["sender"] == "ai"
        )
        assert {"type": "typing", "conversation_id": conversation.pk, "sender": "ai", "on": True} in watched
        deltas = [f for f in watched if f["type"] == "delta"]
        assert deltas and all(f["offset"] == 0 for f in deltas)
        assert watched[-1]["message"]["text"].startswith(deltas[-1]["text"].strip())
        assert watched[-1]["message"]["confidence"] is not None
        await monitor.disconnect()
        await customer.disconnect()

    run(scenario)


def test_a_member_removed_mid_session_is_disconnected_at_once(conversation, workspace):
    """The removal is announced to the member's own group: no conversation event is needed."""
    membership = make_member(workspace=workspace, role=Role.AGENT)
    headers = console_headers(membership.user)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await sync_to_async(account_services.membership_remove)(membership=membership)
        assert await monitor.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}

    run(scenario)


def test_events_are_forwarded_without_reading_the_membership_each_time(conversation, workspace, monkeypatch):
    """Between announcements the membership is read at most every MEMBERSHIP_RECHECK_SECONDS; a
    change made without one (straight in the database) is seen at the first event after that."""
    from conversations.monitor import consumers

    membership = make_member(workspace=workspace, role=Role.AGENT)
    headers = console_headers(membership.user)
    reads = []
    real_read = consumers._membership_by_id
    monkeypatch.setattr(consumers, "_membership_by_id", lambda pk: reads.append(pk) or real_read(pk))
    monkeypatch.setattr(consumers, "MEMBERSHIP_RECHECK_SECONDS", 3600)

    async def scenario():
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        for number in range(3):
            await sync_to_async(services.message_receive)(conversation=conversation, text=f"Hi {number}")
            frame = await receive_type(monitor, "message.created")
            assert frame["message"]["text"] == f"Hi {number}"
        assert reads == []
        await sync_to_async(Membership.objects.filter(pk=membership.pk).update)(role=Role.VIEWER)
        monkeypatch.setattr(consumers, "MEMBERSHIP_RECHECK_SECONDS", 0)
        await sync_to_async(services.message_receive)(conversation=conversation, text="Secret")
        assert await monitor.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}

    run(scenario)
    assert reads == [membership.pk]
