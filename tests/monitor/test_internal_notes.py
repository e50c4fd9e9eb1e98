"""Internal notes are for the team: the customer never receives one, whatever the transport
(socket, resume, the history endpoint, SSE), and agents see them live in the monitor."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client

from conversations import agent_actions
from conversations.realtime import conversation_broadcast_on_commit
from conversations.turns import conversation_history
from tests.conversations.widget_client import ORIGIN, frames_within, receive_type, widget_connect, widget_hello
from tests.monitor.conftest import console_headers, identity, monitor_connect, widget_watching

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Internal: customer is on the refund blocklist, do not promise anything"


def run(scenario):
    async_to_sync(scenario)()


def _widget_headers(workspace, token=None) -> dict:
    headers = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": ORIGIN}
    if token:
        headers["HTTP_X_CHATASSIST_VISITOR"] = token
    return headers


def _visitor_token(workspace) -> str:
    response = Client().post(
        "/api/chat/hello",
        json.dumps({"identity": identity(workspace)}),
        content_type="application/json",
        **_widget_headers(workspace),
    )
    assert response.status_code == 200, response.content
    return response.json()["visitor_token"]


def test_a_note_reaches_the_agents_watching_and_never_the_customers_socket(conversation, agent):
    headers = console_headers(agent)

    async def scenario():
        widget, _ = await widget_watching(conversation.workspace, conversation.pk, after_seq=1)
        monitor, connected, _ = await monitor_connect(conversation.workspace, conversation.pk, headers)
        assert connected
        await monitor.send_json_to({"type": "note", "client_id": "n1", "text": NOTE})
        assert (await receive_type(monitor, "note.created"))["message"]["internal"] is True
        await sync_to_async(agent_actions.note_add)(conversation=conversation, user=agent, text=NOTE + " (2)")
        # Another agent's tab hears the second note through the agents' group.
        heard = await receive_type(monitor, "note.created")
        while heard["message"]["text"] != NOTE + " (2)":  # the group's copy of the first comes too
            heard = await receive_type(monitor, "note.created")
        assert heard["message"]["author_name"] == agent.display_name
        customer_saw = await frames_within(widget, 1.0)
        assert NOTE not in json.dumps(customer_saw), customer_saw
        # The widget is listening all along: a reply does reach it.
        await monitor.send_json_to({"type": "reply", "client_id": "r1", "text": "Let me check."})
        reply = await receive_type(widget, "message.created")
        while reply["message"]["sender"] != "agent":
            reply = await receive_type(widget, "message.created")
        assert reply["message"]["text"] == "Let me check."
        assert NOTE not in json.dumps(await frames_within(widget, 0.3))
        await monitor.disconnect()
        await widget.disconnect()

    run(scenario)


def test_resume_and_the_conversation_list_never_show_a_note(conversation, agent):
    agent_actions.note_add(conversation=conversation, user=agent, text=NOTE)

    async def scenario():
        widget = await widget_connect(conversation.workspace)
        ready = await widget_hello(widget, identity=identity(conversation.workspace))
        [summary] = ready["conversations"]
        assert summary["preview"] == "Where is my invoice?"
        assert summary["last_seq"] == 1
        await widget.send_json_to({"type": "resume", "conversation_id": conversation.pk, "after_seq": 0})
        frames = []
        while not frames or frames[-1]["type"] != "conversation.updated":
            frames.append(await receive_type(widget, "message.created", "conversation.updated"))
        assert [f["message"]["seq"] for f in frames if f["type"] == "message.created"] == [1]
        assert NOTE not in json.dumps(frames)
        await widget.disconnect()

    run(scenario)


def test_the_history_endpoint_and_sse_never_show_a_note(conversation, agent, monkeypatch):
    from conversations.chat import sse

    monkeypatch.setattr(sse, "EVENT_STREAM_SECONDS", 0.5)
    agent_actions.note_add(conversation=conversation, user=agent, text=NOTE)
    agent_actions.agent_reply(conversation=conversation, user=agent, text="Hello from a person", client_id="a1")
    workspace = conversation.workspace
    token = _visitor_token(workspace)
    page = Client().get(
        f"/api/chat/conversations/{conversation.pk}/messages?after_seq=0", **_widget_headers(workspace, token)
    )
    assert page.status_code == 200
    body = page.json()
    assert [message["seq"] for message in body["messages"]] == [1, 2, 3]
    assert NOTE not in page.content.decode()
    frame = Client().post(
        "/api/chat/frame",
        json.dumps({"type": "resume", "conversation_id": conversation.pk, "after_seq": 0}),
        content_type="application/json",
        **_widget_headers(workspace, token),
    )
    assert frame.status_code == 200 and NOTE not in frame.content.decode()

    async def scenario():
        async_headers = {"X-Chatassist-Key": workspace.public_key, "Origin": ORIGIN, "X-Chatassist-Visitor": token}
        response = await AsyncClient().get(
            f"/api/chat/conversations/{conversation.pk}/events?after_seq=0", headers=async_headers
        )
        return "".join([chunk.decode() if isinstance(chunk, bytes) else chunk async for chunk in response])

    stream = async_to_sync(scenario)()
    assert "Hello from a person" in stream
    assert NOTE not in stream


def test_a_note_frame_can_never_be_sent_to_the_customers_group(conversation, agent):
    note = agent_actions.note_add(conversation=conversation, user=agent, text=NOTE)
    frame = {"type": "message.created", "conversation_id": conversation.pk, "message": agent_actions.note_payload(note)}
    with pytest.raises(ValueError):
        conversation_broadcast_on_commit(conversation=conversation, frame=frame)


def test_notes_never_reach_the_model(conversation, agent):
    agent_actions.note_add(conversation=conversation, user=agent, text=NOTE)
    history = conversation_history(conversation=conversation, before_seq=conversation.last_seq + 2, turns=20)
    assert NOTE not in [turn.text for turn in history]
