"""The escalation lifecycle: queued (``escalation_open``) → claimed → resolved, or handed back
to the AI. Changes to the conversation append their event to the conversations event log in
the same transaction and are broadcast after commit, as conversations/services.py does."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from conversations.chat.payloads import conversation_payload
from conversations.models import Conversation, ConversationStatus, EventType, ResolvedBy
from conversations.realtime import conversation_broadcast_on_commit
from conversations.services import event_append
from escalations.errors import EscalationAlreadyClaimed, EscalationClosed, EscalationError
from escalations.events import CONVERSATION_HANDED_BACK, ESCALATION_CLAIMED
from escalations.handoff import handoff_summary
from escalations.models import (
    OPEN_STATUSES,
    Escalation,
    EscalationDecision,
    EscalationOutcome,
    EscalationStatus,
)
from escalations.realtime import escalations_updated_on_commit
from escalations.services.summaries import escalation_summary_queue


def _conversation_lock(conversation_id: int) -> Conversation:
    """Locked first, always, by every escalation write: one lock order, no deadlocks."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("workspace", "assignee")
        .get(pk=conversation_id)
    )


def _broadcast(conversation: Conversation, escalation: Escalation) -> None:
    frame = {"type": "conversation.updated", "conversation": conversation_payload(conversation)}
    conversation_broadcast_on_commit(conversation=conversation, frame=frame)
    escalations_updated_on_commit(escalation)


@transaction.atomic
def escalation_open(*, conversation: Conversation, decision: EscalationDecision) -> Escalation:
    """Hand the conversation to people for ``decision``: queue an escalation with the
    extractive handoff summary (and, after commit, the AI summary's task when a language
    model is configured), mark the conversation escalated with the rule's priority, and
    append a ``conversation_escalated`` event. Idempotent: a conversation has at most one open
    escalation, returned as it is (made more urgent if this decision's priority is higher)."""
    locked = _conversation_lock(conversation.pk)
    if locked.status == ConversationStatus.CLOSED:
        raise EscalationError("This conversation is closed.", code="conversation_closed", status=409)
    existing = Escalation.objects.select_for_update().filter(conversation=locked, status__in=OPEN_STATUSES).first()
    if existing is not None:
        if decision.rule_priority < existing.priority:
            old = existing.priority
            existing.priority = locked.priority = decision.rule_priority
            existing.save(update_fields=["priority"])
            locked.save(update_fields=["priority"])
            event_append(
                workspace=locked.workspace,
                conversation=locked,
                type=EventType.CONVERSATION_UPDATED,
                payload={
                    "changes": {"priority": {"old": old, "new": existing.priority}},
                    "escalation_id": existing.pk,
                    "decision_id": decision.pk,
                    "reason": decision.reason,
                },
            )
            _broadcast(locked, existing)
        return existing
    summary = handoff_summary(conversation=locked, reason=decision.reason)
    escalation = Escalation.objects.create(
        workspace_id=locked.workspace_id,
        conversation=locked,
        rule_id=decision.rule_id,
        decision=decision,
        reason=decision.reason,
        priority=decision.rule_priority,
        team=decision.team,
        summary=summary,
        extractive_summary=summary,
    )
    locked.status, locked.priority = ConversationStatus.ESCALATED, decision.rule_priority
    locked.save(update_fields=["status", "priority"])
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.CONVERSATION_ESCALATED,
        payload={
            "escalation_id": escalation.pk,
            "decision_id": decision.pk,
            "rule_id": decision.rule_id,
            "rule": decision.rule_name,
            "priority": decision.rule_priority,
            "action": decision.rule_action,
            "team": decision.team,
            "reason": decision.reason,
            "matched_text": decision.matched_text,
            "stage": decision.stage,
        },
    )
    _broadcast(locked, escalation)
    # The model's summary comes later, from a worker: the turn does not wait for it.
    escalation_summary_queue(escalation=escalation)
    return escalation


def _require_replier(*, workspace_id: int, user: User) -> None:
    membership = Membership.objects.filter(workspace_id=workspace_id, user=user).first()
    if membership is None or not membership.can_reply:
        raise EscalationError("Only the workspace's agents and admins can take conversations.", status=403)


def _escalation_lock(escalation: Escalation) -> tuple[Conversation, Escalation]:
    conversation = _conversation_lock(escalation.conversation_id)
    locked = Escalation.objects.select_for_update(of=("self",)).select_related("claimed_by").get(pk=escalation.pk)
    return conversation, locked


def _refuse_closed(escalation: Escalation) -> None:
    if escalation.status == EscalationStatus.RESOLVED:
        what = "handed back to the AI" if escalation.outcome == EscalationOutcome.HANDED_BACK else "resolved"
        raise EscalationClosed(f"This escalation was already {what}.")


@transaction.atomic
def escalation_claim(*, escalation: Escalation, user: User) -> Escalation:
    """``user`` (an agent or admin of the workspace) takes the queued escalation and becomes
    the conversation's assignee. Of two agents claiming at once, exactly one wins; the other
    gets ``EscalationAlreadyClaimed`` (both wait on the conversation's row lock, and the
    second sees the first's claim)."""
    _require_replier(workspace_id=escalation.workspace_id, user=user)
    conversation, locked = _escalation_lock(escalation)
    _refuse_closed(locked)
    if locked.status == EscalationStatus.CLAIMED:
        who = "You" if locked.claimed_by_id == user.pk else locked.claimed_by.display_name
        raise EscalationAlreadyClaimed(f"{who} already claimed this conversation.")
    now = timezone.now()
    locked.status, locked.claimed_by, locked.claimed_at = EscalationStatus.CLAIMED, user, now
    locked.save(update_fields=["status", "claimed_by", "claimed_at"])
    conversation.assignee = user
    conversation.save(update_fields=["assignee"])
    event_append(
        workspace=conversation.workspace,
        conversation=conversation,
        type=ESCALATION_CLAIMED,
        payload={
            "escalation_id": locked.pk,
            "user_id": user.pk,
            "waiting_seconds": round(locked.waiting_time.total_seconds(), 3),
        },
    )
    _broadcast(conversation, locked)
    return locked


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, user: User) -> Escalation:
    """The agent solved it: the escalation and the conversation are resolved (by an agent)."""
    _require_replier(workspace_id=escalation.workspace_id, user=user)
    conversation, locked = _escalation_lock(escalation)
    _refuse_closed(locked)
    now = timezone.now()
    locked.status, locked.outcome, locked.resolved_at = EscalationStatus.RESOLVED, EscalationOutcome.RESOLVED, now
    if locked.claimed_by_id is None:
        locked.claimed_by, locked.claimed_at = user, now
    locked.save(update_fields=["status", "outcome", "resolved_at", "claimed_by", "claimed_at"])
    conversation.status, conversation.resolved_at = ConversationStatus.RESOLVED, now
    conversation.resolved_by = ResolvedBy.AGENT
    conversation.save(update_fields=["status", "resolved_at", "resolved_by"])
    event_append(
        workspace=conversation.workspace,
        conversation=conversation,
        type=EventType.CONVERSATION_RESOLVED,
        payload={"resolved_by": ResolvedBy.AGENT, "by": "agent", "user_id": user.pk, "escalation_id": locked.pk},
    )
    _broadcast(conversation, locked)
    return locked


@transaction.atomic
def escalation_hand_back(*, escalation: Escalation, user: User) -> Escalation:
    """Back to the AI: the escalation ends (outcome "handed back"), the conversation is open
    again with no assignee, and its count of turns without a resolution starts again."""
    _require_replier(workspace_id=escalation.workspace_id, user=user)
    conversation, locked = _escalation_lock(escalation)
    _refuse_closed(locked)
    now = timezone.now()
    locked.status, locked.outcome, locked.resolved_at = EscalationStatus.RESOLVED, EscalationOutcome.HANDED_BACK, now
    locked.save(update_fields=["status", "outcome", "resolved_at"])
    conversation.status, conversation.assignee = ConversationStatus.OPEN, None
    conversation.save(update_fields=["status", "assignee"])
    event_append(
        workspace=conversation.workspace,
        conversation=conversation,
        type=CONVERSATION_HANDED_BACK,
        payload={"escalation_id": locked.pk, "user_id": user.pk},
    )
    _broadcast(conversation, locked)
    return locked
