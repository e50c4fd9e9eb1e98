"""The escalation rules inside a live turn, over the widget socket: what the customer sees,
whether the model is asked at all, and what is recorded (the demo's default rules)."""

import pytest
from asgiref.sync import async_to_sync

from assistant.testing.vendor_formats import MESSAGES
from assistant.testing.vendor_server import ScriptedResponse
from conversations.models import Conversation, ConversationStatus, Message, Sender
from escalations.models import Escalation, EscalationDecision, EscalationStatus
from escalations.services import rule_create
from knowledge.query_vectors import query_vector_submit
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

ALWAYS_OPEN = [[["00:00", "24:00"]]] * 7
NEVER_OPEN = [[]] * 7


@pytest.fixture
def shop(workspace):
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    return workspace


def _send_and_collect(shop, text: str, *, seconds: float = 2.0, until=None) -> list[dict]:
    """The frames of the next ``seconds``; with ``until``, up to the frame it accepts (a
    loaded machine may take longer than ``seconds`` to stream a reply)."""
    frames: list[dict] = []

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "c1", "text": text})
        frames.append(await receive_type(communicator, "message.created"))
        if until is None:
            frames.extend(await frames_within(communicator, seconds))
        else:
            frames.extend(await collect_until(communicator, until, timeout=30))
        await communicator.disconnect()

    async_to_sync(scenario)()
    return frames


def _system_texts(frames: list[dict]) -> list[str]:
    return [
        frame["message"]["text"]
        for frame in frames
        if frame["type"] == "message.created" and frame["message"]["sender"] == Sender.SYSTEM
    ]


def test_a_legal_threat_stops_the_ai_before_the_provider_is_called(shop, anthropic_on_vendor_server):
    frames = _send_and_collect(shop, "This is unacceptable, my lawyer will hear about this.")

    assert anthropic_on_vendor_server.requests_to(MESSAGES) == []
    assert not [frame for frame in frames if frame["type"] in ("delta", "completed")]
    [holding] = _system_texts(frames)
    assert "A member of our team will take over" in holding
    updated = [frame for frame in frames if frame["type"] == "conversation.updated"]
    assert updated and updated[-1]["conversation"]["status"] == ConversationStatus.ESCALATED
    escalation = Escalation.objects.get()
    assert (escalation.priority, escalation.status) == (1, EscalationStatus.QUEUED)
    decision = EscalationDecision.objects.get()
    assert decision.stage == "before"
    assert decision.matched_text.lower() == "lawyer"
    assert escalation.conversation.status == ConversationStatus.ESCALATED


def test_a_refund_over_the_limit_is_routed_to_billing_and_nothing_is_promised(shop, anthropic_on_vendor_server):
    frames = _send_and_collect(shop, "I want a refund of $250 for last month, the app was down.")

    assert anthropic_on_vendor_server.requests_to(MESSAGES) == []
    [holding] = _system_texts(frames)
    # Acknowledges and hands over, and neither promises nor denies the refund.
    assert "billing team" in holding
    for promise_or_denial in ("will refund", "refunded", "approved", "denied", "not eligible", "cannot refund"):
        assert promise_or_denial not in holding.lower()
    escalation = Escalation.objects.get()
    assert (escalation.priority, escalation.team) == (2, "billing")
    assert "$250" in escalation.summary
    assert EscalationDecision.objects.get().matched_text == "$250"


def test_a_refund_under_the_limit_is_answered_by_the_ai(shop, anthropic_on_vendor_server):
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Here is how refunds work. ⟦confidence=0.9⟧"))

    frames = _send_and_collect(shop, "Could I get a refund of $150?", until=is_final_reply)

    assert len(anthropic_on_vendor_server.requests_to(MESSAGES)) == 1
    assert any(is_final_reply(frame) for frame in frames)
    assert Escalation.objects.count() == 0


def test_outside_business_hours_the_holding_message_says_when_people_are_back(shop, offline_only):
    shop.business_hours_enabled, shop.business_hours, shop.timezone = True, NEVER_OPEN, "Asia/Tokyo"
    shop.after_hours_message = "Our office is closed right now."
    shop.save()

    frames = _send_and_collect(shop, "I'll take legal action if this isn't fixed")

    [holding] = _system_texts(frames)
    assert "Our office is closed right now." in holding
    assert "away right now" in holding  # nothing opens within the week


def test_inside_business_hours_the_customer_is_told_the_usual_wait(shop, offline_only):
    shop.business_hours_enabled, shop.business_hours, shop.timezone = True, ALWAYS_OPEN, "America/New_York"
    shop.after_hours_message = "Our office is closed right now."
    shop.human_reply_expectation_minutes = 7
    shop.save()

    frames = _send_and_collect(shop, "I'll take legal action if this isn't fixed")

    [holding] = _system_texts(frames)
    assert "Our office is closed" not in holding
    assert "within 7 minutes" in holding
    # The widget's header says it too, from the conversation's state.
    updated = [frame["conversation"] for frame in frames if frame["type"] == "conversation.updated"]
    assert (updated[-1]["state"], updated[-1]["wait_expectation"]) == (
        "waiting",
        "A person usually replies within 7 minutes.",
    )


def test_while_escalated_and_unclaimed_the_ai_stays_quiet(shop, anthropic_on_vendor_server, monkeypatch):
    from conversations import consumers

    embedded: list[str] = []

    def submit(text):
        embedded.append(text)
        return query_vector_submit(text)

    monkeypatch.setattr(consumers, "query_vector_submit", submit)

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "c1", "text": "Get me your lawyer"})
        conversation_id = (await receive_type(communicator, "message.created"))["conversation_id"]
        await frames_within(communicator, 1)
        await communicator.send_json_to(
            {"type": "message.send", "conversation_id": conversation_id, "client_id": "c2", "text": "Hello?"}
        )
        await receive_type(communicator, "message.created")
        later = await frames_within(communicator, 1.5)
        assert not [frame for frame in later if frame["type"] in ("delta", "completed", "message.created")]
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert anthropic_on_vendor_server.requests_to(MESSAGES) == []
    assert Message.objects.filter(sender=Sender.CUSTOMER).count() == 2
    # The first question was embedded while it was stored (nobody knew yet); the second,
    # in a conversation waiting for a person, is not: the AI will not answer it.
    assert embedded == ["Get me your lawyer"]


def test_low_confidence_after_the_reply_hands_the_conversation_over(shop, anthropic_on_vendor_server):
    rule_create(
        workspace=shop,
        actor=None,
        name="Unsure answers",
        priority=3,
        action="route",
        team="support",
        conditions={"confidence_below": 0.5},
    )
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Perhaps try again? ⟦confidence=0.2⟧"))

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "c1", "text": "Why is sync slow?"})
        await collect_until(communicator, is_final_reply)
        frames = await frames_within(communicator, 1.5)
        assert _system_texts(frames)
        await communicator.disconnect()

    async_to_sync(scenario)()
    decision = EscalationDecision.objects.get()
    reply = Message.objects.get(sender=Sender.AI)
    assert decision.stage == "after"
    assert decision.confidence == reply.confidence < 0.5
    assert Conversation.objects.get().status == ConversationStatus.ESCALATED


def test_an_offer_rule_lets_the_ai_answer_and_then_offers_a_person_once(shop, anthropic_on_vendor_server):
    rule_create(
        workspace=shop,
        actor=None,
        name="Offer on invoices",
        priority=4,
        action="offer",
        conditions={"keywords": ["invoice"]},
    )
    anthropic_on_vendor_server.enqueue(
        MESSAGES,
        ScriptedResponse(text="Invoices are under Billing. ⟦confidence=0.9⟧"),
        ScriptedResponse(text="They are PDFs. ⟦confidence=0.9⟧"),
    )

    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        await communicator.send_json_to({"type": "message.send", "client_id": "c1", "text": "Where is my invoice?"})
        conversation_id = (await receive_type(communicator, "message.created"))["conversation_id"]
        await collect_until(communicator, is_final_reply)
        await frames_within(communicator, 1)
        await communicator.send_json_to(
            {
                "type": "message.send",
                "conversation_id": conversation_id,
                "client_id": "c2",
                "text": "And the invoice format?",
            }
        )
        await collect_until(communicator, is_final_reply)
        await frames_within(communicator, 1)
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert len(anthropic_on_vendor_server.requests_to(MESSAGES)) == 2
    offers = Message.objects.filter(sender=Sender.SYSTEM)
    assert offers.count() == 1
    assert "connect you with a person" in offers.get().text
    assert Conversation.objects.get().status == ConversationStatus.OPEN


def test_rules_of_another_workspace_never_apply(shop, other_workspace, anthropic_on_vendor_server):
    rule_create(
        workspace=other_workspace,
        actor=None,
        name="Everything about pricing",
        priority=1,
        action="stop",
        conditions={"keywords": ["pricing"]},
    )
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Plans start at $10. ⟦confidence=0.9⟧"))

    frames = _send_and_collect(shop, "What is your pricing?")

    assert any(is_final_reply(frame) for frame in frames)
    assert not _system_texts(frames)


def test_over_http_a_hand_off_answers_with_the_holding_message(shop, anthropic_on_vendor_server):
    from django.test import Client

    from tests.conversations.test_chat_http import hello, send

    client = Client()
    token = hello(client, shop)["visitor_token"]
    response = send(client, shop, token, client_id="h1", text="I am filing a chargeback with my bank today.")

    assert response.status_code == 201, response.content
    reply = response.json()["reply"]
    assert reply["sender"] == "system" and "take over" in reply["text"]
    assert anthropic_on_vendor_server.requests_to(MESSAGES) == []
    assert Escalation.objects.get().priority == 1
