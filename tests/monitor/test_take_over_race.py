"""Two agents press "Take over" at the same moment: exactly one gets the conversation, the
other is told who has it, and the customer hears of one agent only."""

import threading

import pytest
from django.db import connection

from accounts.models import Role
from conversations import agent_actions
from conversations.models import Conversation, Message, Sender
from escalations.models import Escalation, EscalationStatus
from tests.factories import make_member
from tests.monitor.conftest import escalate

pytestmark = pytest.mark.django_db(transaction=True)


def _race(conversation, users) -> list:
    """Each user takes over on their own thread and database connection, released together."""
    barrier = threading.Barrier(len(users))
    outcomes = [None] * len(users)

    def attempt(index, user):
        try:
            barrier.wait(timeout=10)
            agent_actions.conversation_take_over(conversation=Conversation.objects.get(pk=conversation.pk), user=user)
            outcomes[index] = "won"
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(index, user)) for index, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("escalated", [False, True], ids=["from the AI", "from the queue"])
def test_two_agents_taking_over_at_once_exactly_one_wins(conversation, workspace, escalated):
    escalation = escalate(conversation) if escalated else None
    agents = [make_member(workspace=workspace, role=Role.AGENT).user for _ in range(2)]
    for _ in range(3):  # a few rounds: the lock, not luck, decides
        outcomes = _race(conversation, agents)
        winners = [agents[index] for index, outcome in enumerate(outcomes) if outcome == "won"]
        losers = [outcome for outcome in outcomes if outcome != "won"]
        assert len(winners) == 1, outcomes
        [refusal] = losers
        assert isinstance(refusal, agent_actions.ConversationTaken), refusal
        assert winners[0].display_name in str(refusal)
        conversation.refresh_from_db()
        assert conversation.assignee == winners[0]
        joined = Message.objects.filter(
            conversation=conversation, sender=Sender.SYSTEM, text__endswith="joined the conversation"
        )
        assert joined.count() == 1
        if escalation is not None:
            escalation.refresh_from_db()
            assert (escalation.status, escalation.claimed_by) == (EscalationStatus.CLAIMED, winners[0])
            assert Escalation.objects.filter(conversation=conversation, status=EscalationStatus.QUEUED).count() == 0
        # Start again for the next round.
        agent_actions.conversation_hand_back(conversation=conversation, user=winners[0])
        joined.delete()
        if escalation is not None:
            escalation = escalate(conversation)
