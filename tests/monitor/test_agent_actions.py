"""The agents' actions on a conversation (conversations/agent_actions.py): replies, notes,
take-over, hand-back, resolve and close, with the conversation, its escalation and its event
log following."""

import pytest

from accounts.models import Role
from conversations import agent_actions
from conversations.errors import ConversationError
from conversations.models import ConversationStatus, Event, EventType, Message, ResolvedBy, Sender
from escalations.models import EscalationOutcome, EscalationStatus
from tests.factories import make_member
from tests.monitor.conftest import escalate

pytestmark = pytest.mark.django_db


def _types(conversation) -> list[str]:
    return list(Event.objects.filter(conversation=conversation).order_by("pk").values_list("type", flat=True))


def _public(conversation) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(conversation=conversation, internal=False)
        .order_by("seq")
        .values_list("seq", "sender", "text")
    )


def test_the_first_reply_takes_the_conversation_and_tells_the_customer_who_joined(conversation, agent):
    message, created = agent_actions.agent_reply(
        conversation=conversation, user=agent, text="Hi, I'm looking into it.", client_id="a1"
    )
    conversation.refresh_from_db()
    assert created and message.author == agent
    assert conversation.assignee == agent
    assert _public(conversation) == [
        (1, Sender.CUSTOMER, "Where is my invoice?"),
        (2, Sender.SYSTEM, f"{agent.display_name} joined the conversation"),
        (3, Sender.AGENT, "Hi, I'm looking into it."),
    ]
    assert conversation.last_seq == 3
    # Assigned, then the "joined" notice and the reply, each a message sent.
    assert _types(conversation)[-3:] == [
        EventType.CONVERSATION_ASSIGNED,
        EventType.MESSAGE_SENT,
        EventType.MESSAGE_SENT,
    ]


def test_a_reply_sent_twice_with_one_client_id_is_stored_once(conversation, agent):
    first, created = agent_actions.agent_reply(conversation=conversation, user=agent, text="Hello", client_id="a1")
    again, created_again = agent_actions.agent_reply(
        conversation=conversation, user=agent, text="Hello", client_id="a1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Message.objects.filter(conversation=conversation, sender=Sender.AGENT).count() == 1


@pytest.mark.parametrize(
    ("text", "code"), [("   ", "empty_message"), ("x" * 4001, "message_too_long"), ("a\x00b", "invalid_text")]
)
def test_bad_replies_are_refused_with_a_code(conversation, agent, text, code):
    with pytest.raises(ConversationError) as refused:
        agent_actions.agent_reply(conversation=conversation, user=agent, text=text, client_id="a1")
    assert refused.value.code == code


def test_viewers_and_outsiders_cannot_act(conversation, viewer, outsider):
    for user in (viewer, outsider):
        with pytest.raises(ConversationError) as refused:
            agent_actions.conversation_take_over(conversation=conversation, user=user)
        assert refused.value.status == 403
        with pytest.raises(ConversationError):
            agent_actions.note_add(conversation=conversation, user=user, text="Psst")


def test_another_agents_conversation_refuses_replies_and_take_over(conversation, agent, workspace):
    colleague = make_member(workspace=workspace, role=Role.AGENT).user
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    with pytest.raises(agent_actions.ConversationTaken):
        agent_actions.agent_reply(conversation=conversation, user=colleague, text="Me too", client_id="b1")
    with pytest.raises(agent_actions.ConversationTaken):
        agent_actions.conversation_take_over(conversation=conversation, user=colleague)
    # Taking one's own conversation again changes nothing.
    before = _types(conversation)
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    assert _types(conversation) == before


def test_taking_over_an_escalation_claims_it(conversation, agent):
    escalation = escalate(conversation)
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    escalation.refresh_from_db()
    conversation.refresh_from_db()
    assert (escalation.status, escalation.claimed_by) == (EscalationStatus.CLAIMED, agent)
    assert conversation.assignee == agent
    assert conversation.status == ConversationStatus.ESCALATED
    assert EventType.ESCALATION_CLAIMED in _types(conversation)
    assert _public(conversation)[-1] == (
        conversation.last_seq,
        Sender.SYSTEM,
        f"{agent.display_name} joined the conversation",
    )


def test_notes_take_no_sequence_number_and_sort_after_the_message_they_follow(conversation, agent):
    note = agent_actions.note_add(conversation=conversation, user=agent, text="VIP, be gentle", client_id="n1")
    conversation.refresh_from_db()
    assert (note.internal, note.seq, conversation.last_seq) == (True, 1, 1)
    assert conversation.assignee is None  # a note takes nothing
    agent_actions.agent_reply(conversation=conversation, user=agent, text="Hello!", client_id="a1")
    ordered = list(
        Message.objects.filter(conversation=conversation).order_by("seq", "pk").values_list("text", flat=True)
    )
    assert ordered == [
        "Where is my invoice?",
        "VIP, be gentle",
        f"{agent.display_name} joined the conversation",
        "Hello!",
    ]
    again = agent_actions.note_add(conversation=conversation, user=agent, text="VIP, be gentle", client_id="n1")
    assert again.pk == note.pk
    [event] = Event.objects.filter(conversation=conversation, type=EventType.NOTE_ADDED)
    assert "text" not in event.payload and event.payload["user_id"] == agent.pk


def test_hand_back_returns_the_conversation_to_the_ai(conversation, agent):
    escalation = escalate(conversation)
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    agent_actions.conversation_hand_back(conversation=conversation, user=agent)
    conversation.refresh_from_db()
    escalation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == (ConversationStatus.OPEN, None)
    assert (escalation.status, escalation.outcome) == (EscalationStatus.RESOLVED, EscalationOutcome.HANDED_BACK)
    assert _public(conversation)[-1][1:] == (Sender.SYSTEM, agent_actions.HANDED_BACK_TEXT)
    assert EventType.CONVERSATION_HANDED_BACK in _types(conversation)


def test_hand_back_without_an_escalation_clears_the_assignee(conversation, agent, owner):
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    # Only the assignee or an admin may hand it back.
    colleague = make_member(workspace=conversation.workspace, role=Role.AGENT).user
    with pytest.raises(agent_actions.ConversationTaken):
        agent_actions.conversation_hand_back(conversation=conversation, user=colleague)
    agent_actions.conversation_hand_back(conversation=conversation, user=owner)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == (ConversationStatus.OPEN, None)
    [event] = Event.objects.filter(conversation=conversation, type=EventType.CONVERSATION_HANDED_BACK)
    assert event.payload == {"user_id": owner.pk, "escalation_id": None}


def test_resolve_by_an_agent_resolves_the_escalation_too(conversation, agent):
    escalation = escalate(conversation)
    agent_actions.conversation_resolve_by_agent(conversation=conversation, user=agent)
    conversation.refresh_from_db()
    escalation.refresh_from_db()
    assert (conversation.status, conversation.resolved_by) == (ConversationStatus.RESOLVED, ResolvedBy.AGENT)
    assert (escalation.status, escalation.outcome) == (EscalationStatus.RESOLVED, EscalationOutcome.RESOLVED)


def test_a_reply_reopens_a_resolved_conversation_and_a_closed_one_refuses(conversation, agent):
    agent_actions.conversation_resolve_by_agent(conversation=conversation, user=agent)
    agent_actions.agent_reply(conversation=conversation, user=agent, text="Did that work?", client_id="a1")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    assert EventType.CONVERSATION_REOPENED in _types(conversation)
    agent_actions.conversation_close(conversation=conversation, user=agent)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert _types(conversation)[-1] == EventType.CONVERSATION_CLOSED
    with pytest.raises(ConversationError) as refused:
        agent_actions.agent_reply(conversation=conversation, user=agent, text="Hello?", client_id="a2")
    assert refused.value.code == "conversation_closed"
    # Notes stay possible on a closed conversation: the team's record.
    agent_actions.note_add(conversation=conversation, user=agent, text="Closed after the call")


def test_an_agent_answer_counts_but_a_note_does_not_when_the_customer_resolves(conversation, agent):
    from conversations import services

    agent_actions.note_add(conversation=conversation, user=agent, text="Looks like a duplicate charge")
    services.conversation_resolve_by_customer(conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.resolved_by == ResolvedBy.AI
