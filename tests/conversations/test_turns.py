"""A turn: the assistant answers a stored customer message with the active prompt version and
the conversation's history, and every reply is stored with its accounting and its event."""

import pytest
from asgiref.sync import async_to_sync

from assistant.testing.vendor_formats import MESSAGES
from assistant.testing.vendor_server import ScriptedResponse
from assistant.types import Delta, Interrupted
from conversations import services
from conversations.models import Event, EventType, Message, Sender
from conversations.turns import ReplyStored, turn_run
from prompts.models import ModelUsage, PromptVersion

pytestmark = pytest.mark.django_db(transaction=True)


def run_turn(conversation, text):
    message, _ = services.message_receive(conversation=conversation, text=text)

    async def collect():
        return [event async for event in turn_run(conversation=conversation, message=message)]

    return async_to_sync(collect)()


def test_an_offline_turn_stores_a_cited_reply_with_its_event_and_usage(conversation, help_centre, offline_only):
    events = run_turn(conversation, "Where can I download my invoices?")
    assert any(isinstance(event, Delta) for event in events)
    stored = [event.message for event in events if isinstance(event, ReplyStored)]
    assert len(stored) == 1
    reply = Message.objects.get(pk=stored[0].pk)
    assert (reply.seq, reply.sender, reply.provider, reply.partial) == (2, Sender.AI, "offline", False)
    assert reply.citations[0]["document_title"] == "Invoices and payments"
    assert reply.confidence > 0.4
    [event] = Event.objects.filter(conversation=conversation, type=EventType.RESPONSE_RECEIVED)
    assert event.payload == {
        "message_id": reply.pk,
        "seq": 2,
        "partial": False,
        "provider": "offline",
        "confidence": reply.confidence,
    }
    # The instance the turn handed on is the stored row, as the ORM reads it.
    assert {f.attname: getattr(stored[0], f.attname) for f in Message._meta.concrete_fields} == {
        f.attname: getattr(reply, f.attname) for f in Message._meta.concrete_fields
    }
    usage = ModelUsage.objects.get()
    assert (usage.source, usage.prompt_version) == ("conversation", PromptVersion.objects.get(is_active=True))


def test_the_model_receives_the_conversation_so_far(conversation, help_centre, anthropic_on_vendor_server):
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Slack alerts are under Integrations [1]."))
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Yes, on every plan [1]."))
    run_turn(conversation, "How do I get alerts in Slack?")
    run_turn(conversation, "Is that on every plan?")
    sent = anthropic_on_vendor_server.requests_to(MESSAGES)[1].body["messages"]
    texts = [
        part["text"] if isinstance(part, dict) else part
        for turn in sent
        for part in (turn["content"] if isinstance(turn["content"], list) else [turn["content"]])
    ]
    joined = "\n".join(texts)
    assert "How do I get alerts in Slack?" in joined
    assert "Slack alerts are under Integrations [1]." in joined
    # The new message comes last, in its own block after the conversation so far.
    assert texts[-1].split("<<<CUSTOMER MESSAGE ", 1)[1].split("\n")[1] == "Is that on every plan?"


def test_a_reply_cut_mid_stream_is_kept_partial_and_the_fallback_answers_in_a_new_message(
    conversation, help_centre, anthropic_on_vendor_server
):
    anthropic_on_vendor_server.enqueue(
        MESSAGES, ScriptedResponse(tokens=("To ", "rotate ", "a ", "key ", "go ", "to "), drop_after_tokens=3)
    )
    events = run_turn(conversation, "How do I rotate an API key?")
    assert sum(isinstance(event, Interrupted) for event in events) == 1
    replies = list(Message.objects.filter(conversation=conversation, sender=Sender.AI).order_by("seq"))
    assert [(reply.seq, reply.partial) for reply in replies] == [(2, True), (3, False)]
    assert replies[0].text == "To rotate a"
    assert replies[1].provider == "offline"
    assert Event.objects.filter(conversation=conversation, type=EventType.RESPONSE_RECEIVED).count() == 2
