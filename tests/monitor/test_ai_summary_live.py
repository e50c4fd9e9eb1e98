"""The AI handoff summary reaches the agents watching without a reload, and never the customer:
not on the widget's socket, not in resume, not through the chat API or its event stream."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient, Client

from assistant.testing.vendor_formats import MESSAGES
from assistant.testing.vendor_server import ScriptedResponse
from chatassist.asgi import application
from escalations import services as escalation_services
from escalations.models import SummarySource
from tests.conversations.widget_client import ORIGIN, frames_within, receive_type, widget_connect, widget_hello
from tests.monitor.conftest import console_headers, escalate, identity, monitor_connect, widget_watching

pytestmark = pytest.mark.django_db(transaction=True)

AI_SUMMARY = "Wants: a refund of $900. Mood: angry, mentions a lawyer. Next step: SUMMARY-MARKER-7731."


def run(scenario):
    async_to_sync(scenario)()


def _widget_headers(workspace, token=None) -> dict:
    headers = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": ORIGIN}
    if token:
        headers["HTTP_X_CHATASSIST_VISITOR"] = token
    return headers


def test_agents_hear_of_the_ai_summary_live_and_the_customer_never_does(
    conversation, agent, anthropic_on_vendor_server
):
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text=AI_SUMMARY))
    escalation = escalate(conversation)
    workspace = conversation.workspace
    headers = console_headers(agent)

    async def scenario():
        widget, _ = await widget_watching(workspace, conversation.pk, after_seq=conversation.last_seq)
        monitor, connected, _ = await monitor_connect(workspace, conversation.pk, headers)
        assert connected
        console = WebsocketCommunicator(application, f"/ws/w/{workspace.slug}/", headers=headers)
        assert (await console.connect(timeout=5))[0]

        stored = await sync_to_async(escalation_services.escalation_summarize)(escalation=escalation)
        assert stored is True

        frame = await receive_type(monitor, "escalation.summarized")
        assert frame == {
            "type": "escalation.summarized",
            "conversation_id": conversation.pk,
            "escalation_id": escalation.pk,
            "summary_source": "ai",
        }
        # The monitor's lists refresh, and do not alert again for an escalation they know.
        update = await receive_type(console, "escalations.updated")
        assert (update["change"], update["escalation_id"]) == ("summary", escalation.pk)
        assert "SUMMARY-MARKER" not in json.dumps(update)
        customer_saw = await frames_within(widget, 1.0)
        assert "SUMMARY-MARKER" not in json.dumps(customer_saw), customer_saw
        assert "escalation.summarized" not in json.dumps(customer_saw)
        for communicator in (widget, monitor, console):
            await communicator.disconnect()

    run(scenario)
    escalation.refresh_from_db()
    assert escalation.summary_source == SummarySource.AI
    # What the page fetches when it hears the frame.
    panel = Client()
    panel.force_login(agent)
    page = panel.get(f"/w/{workspace.slug}/monitor/{conversation.pk}/panel/").content.decode()
    assert "SUMMARY-MARKER-7731" in page and "AI summary (claude-sonnet-4-6)" in page


def test_resume_the_chat_api_and_its_event_stream_never_carry_the_summary(
    conversation, anthropic_on_vendor_server, monkeypatch
):
    from conversations.chat import sse

    monkeypatch.setattr(sse, "EVENT_STREAM_SECONDS", 0.5)
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text=AI_SUMMARY))
    escalation = escalate(conversation)
    assert escalation_services.escalation_summarize(escalation=escalation) is True
    workspace = conversation.workspace
    extractive_line = "Why: The message mentions"

    async def resume():
        widget = await widget_connect(workspace)
        ready = await widget_hello(widget, identity=identity(workspace))
        await widget.send_json_to({"type": "resume", "conversation_id": conversation.pk, "after_seq": 0})
        frames = [ready]
        while frames[-1]["type"] != "conversation.updated":
            frames.append(await receive_type(widget, "message.created", "conversation.updated"))
        await widget.disconnect()
        return json.dumps(frames)

    token_response = Client().post(
        "/api/chat/hello",
        json.dumps({"identity": identity(workspace)}),
        content_type="application/json",
        **_widget_headers(workspace),
    )
    token = token_response.json()["visitor_token"]
    history = Client().get(
        f"/api/chat/conversations/{conversation.pk}/messages?after_seq=0", **_widget_headers(workspace, token)
    )
    assert history.status_code == 200

    async def event_stream():
        async_headers = {"X-Chatassist-Key": workspace.public_key, "Origin": ORIGIN, "X-Chatassist-Visitor": token}
        response = await AsyncClient().get(
            f"/api/chat/conversations/{conversation.pk}/events?after_seq=0", headers=async_headers
        )
        return "".join([chunk.decode() if isinstance(chunk, bytes) else chunk async for chunk in response])

    for seen in (async_to_sync(resume)(), history.content.decode(), async_to_sync(event_stream)()):
        assert "lawyer" in seen  # the customer's own messages are there…
        assert "SUMMARY-MARKER" not in seen  # …the AI summary is not,
        assert extractive_line not in seen  # nor the extractive one
