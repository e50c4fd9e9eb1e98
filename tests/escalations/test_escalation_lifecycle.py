"""An escalation from queued to claimed to resolved (or back to the AI), with the
conversation's status and event log following, and exactly one winner when agents race."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import Role
from conversations.models import ConversationStatus, Event, EventType, ResolvedBy
from escalations import services
from escalations.errors import EscalationAlreadyClaimed, EscalationClosed, EscalationError
from escalations.events import CONVERSATION_HANDED_BACK, ESCALATION_CLAIMED
from escalations.models import Escalation, EscalationStatus
from tests.factories import make_conversation, make_member, make_message, make_workspace


@pytest.fixture
def conversation(workspace):
    return make_conversation(workspace=workspace, topic="Billing")


def _escalate(conversation, text="I'll call my lawyer about the $900 refund on order #48213"):
    message = make_message(conversation=conversation, text=text)
    decision = services.rules_evaluate(conversation=conversation, message=message, stage="before")
    return services.escalation_open(conversation=conversation, decision=decision)


def _events(conversation, type):
    return list(Event.objects.filter(conversation=conversation, type=type).order_by("pk"))


@pytest.mark.django_db
def test_opening_queues_the_escalation_and_escalates_the_conversation(conversation):
    escalation = _escalate(conversation)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    assert conversation.priority == 1
    assert escalation.status == EscalationStatus.QUEUED
    assert (escalation.priority, escalation.rule.name) == (1, "Legal or compliance mention")
    assert escalation.reason == "The message mentions “lawyer”."
    assert escalation.decision.matched_text == "lawyer"
    [event] = _events(conversation, EventType.CONVERSATION_ESCALATED)
    assert event.payload["escalation_id"] == escalation.pk
    assert event.payload["rule"] == "Legal or compliance mention"
    assert event.payload["reason"] == escalation.reason
    assert event.payload["priority"] == 1


@pytest.mark.django_db
def test_the_handoff_summary_is_extractive(conversation):
    make_message(conversation=conversation, text="Hi, I was charged twice on invoice INV-2024-0032.")
    make_message(conversation=conversation, text="The AI says…", sender="ai", confidence=0.31)
    make_message(conversation=conversation, text="It was EUR 300 each time")
    escalation = _escalate(conversation, text="Refund the €300 now or I'll call my lawyer")
    assert escalation.summary.splitlines() == [
        "Why: The message mentions “lawyer”.",
        "Topic: Billing",
        "First message: “Hi, I was charged twice on invoice INV-2024-0032.”",
        "Latest:",
        "- “It was EUR 300 each time”",
        "- “Refund the €300 now or I'll call my lawyer”",
        "Amounts mentioned: EUR 300, €300",
        "Order or reference numbers: INV-2024-0032",
        "3 customer messages; last AI confidence 0.31.",
    ]
    assert services.handoff_summary(conversation=conversation, reason="").startswith("Topic: Billing")


@pytest.mark.django_db
def test_opening_twice_returns_the_open_escalation_and_raises_its_priority(conversation):
    refund = make_message(conversation=conversation, text="refund my $300")
    first = services.escalation_open(
        conversation=conversation,
        decision=services.rules_evaluate(conversation=conversation, message=refund, stage="before"),
    )
    assert first.priority == 2
    again = services.escalation_open(conversation=conversation, decision=first.decision)
    assert again.pk == first.pk
    legal = make_message(conversation=conversation, text="and my attorney agrees")
    decision = services.rules_evaluate(conversation=conversation, message=legal, stage="before")
    raised = services.escalation_open(conversation=conversation, decision=decision)
    assert raised.pk == first.pk
    assert raised.priority == 1
    conversation.refresh_from_db()
    assert conversation.priority == 1
    assert Escalation.objects.filter(conversation=conversation).count() == 1
    assert len(_events(conversation, EventType.CONVERSATION_ESCALATED)) == 1
    [update] = _events(conversation, EventType.CONVERSATION_UPDATED)
    assert update.payload["changes"] == {"priority": {"old": 2, "new": 1}}


@pytest.mark.django_db
def test_claim_then_resolve(conversation, agent):
    escalation = services.escalation_claim(escalation=_escalate(conversation), user=agent)
    conversation.refresh_from_db()
    assert (escalation.status, escalation.claimed_by, conversation.assignee) == ("claimed", agent, agent)
    assert escalation.waiting_time.total_seconds() >= 0
    [claimed] = _events(conversation, ESCALATION_CLAIMED)
    assert claimed.payload["user_id"] == agent.pk

    escalation = services.escalation_resolve(escalation=escalation, user=agent)
    conversation.refresh_from_db()
    assert (escalation.status, escalation.outcome) == ("resolved", "resolved")
    assert (conversation.status, conversation.resolved_by) == (ConversationStatus.RESOLVED, ResolvedBy.AGENT)
    [resolved] = _events(conversation, EventType.CONVERSATION_RESOLVED)
    assert resolved.payload["escalation_id"] == escalation.pk
    with pytest.raises(EscalationClosed):
        services.escalation_claim(escalation=escalation, user=agent)


@pytest.mark.django_db
def test_hand_back_to_the_ai(conversation, agent):
    escalation = services.escalation_claim(escalation=_escalate(conversation), user=agent)
    escalation = services.escalation_hand_back(escalation=escalation, user=agent)
    conversation.refresh_from_db()
    assert (escalation.status, escalation.outcome) == ("resolved", "handed_back")
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.assignee is None
    assert len(_events(conversation, CONVERSATION_HANDED_BACK)) == 1
    with pytest.raises(EscalationClosed, match="already handed back to the AI"):
        services.escalation_resolve(escalation=escalation, user=agent)
    # A new escalation may open once the last one is over.
    assert _escalate(conversation).pk != escalation.pk


@pytest.mark.django_db
def test_claiming_a_claimed_escalation_is_refused(conversation, agent, owner):
    escalation = services.escalation_claim(escalation=_escalate(conversation), user=agent)
    with pytest.raises(EscalationAlreadyClaimed, match=f"{agent.display_name} already claimed"):
        services.escalation_claim(escalation=escalation, user=owner)


@pytest.mark.django_db
def test_viewers_and_outsiders_cannot_claim(conversation, viewer, outsider):
    escalation = _escalate(conversation)
    for user in (viewer, outsider):
        with pytest.raises(EscalationError) as error:
            services.escalation_claim(escalation=escalation, user=user)
        assert error.value.status == 403


def _race(escalation_id: int, users, *, hold_seconds: float = 0.0) -> list:
    """Every user claims at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(users))
    outcomes = [None] * len(users)

    def claim(index, user):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                escalation = Escalation.objects.get(pk=escalation_id)
                services.escalation_claim(escalation=escalation, user=user)
                if hold_seconds:
                    # Keep the row locked a moment: the others must wait, then lose.
                    threading.Event().wait(hold_seconds)
            outcomes[index] = "won"
        except EscalationAlreadyClaimed:
            outcomes[index] = "lost"
        except Exception as error:
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(index, user)) for index, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    close_old_connections()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hold_seconds", [0.0, 0.3])
def test_two_agents_racing_to_claim_exactly_one_wins(hold_seconds):
    workspace = make_workspace()
    agents = [make_member(workspace=workspace, role=Role.AGENT).user for _ in range(2)]
    for attempt in range(3):
        escalation = _escalate(make_conversation(workspace=workspace))
        outcomes = _race(escalation.pk, agents, hold_seconds=hold_seconds)
        assert sorted(outcomes) == ["lost", "won"], (attempt, outcomes)
        escalation.refresh_from_db()
        winner = agents[outcomes.index("won")]
        assert escalation.claimed_by == winner
        assert escalation.conversation.assignee == winner
        assert Event.objects.filter(conversation=escalation.conversation, type=ESCALATION_CLAIMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_agents_racing_one_wins():
    workspace = make_workspace()
    agents = [make_member(workspace=workspace, role=Role.AGENT).user for _ in range(5)]
    escalation = _escalate(make_conversation(workspace=workspace))
    outcomes = _race(escalation.pk, agents)
    assert sorted(outcomes) == ["lost"] * 4 + ["won"]


@pytest.mark.parametrize(
    ("text", "references"),
    [
        ("My order #48213 never came", ["order #48213"]),
        ("See #7781", ["#7781"]),
        ("invoice INV-2024-0032 is wrong", ["INV-2024-0032"]),
        ("order 123456 and ticket no. AB12CD", ["order 123456", "ticket AB12CD"]),
        ("What is the order status?", []),
        ("I ordered 3 seats in 2024", []),
    ],
)
def test_order_and_reference_numbers_for_the_summary(text, references):
    from escalations.handoff import references_in

    assert references_in(text) == references
