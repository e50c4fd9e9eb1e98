"""Reads for escalations, always scoped to a workspace or a conversation."""

import threading
import time

from django.db.models import Count, Max, QuerySet

from accounts.models import Workspace
from conversations.models import Conversation, Event, EventType, Message, Sender
from escalations import engine
from escalations.events import CONVERSATION_HANDED_BACK
from escalations.models import (
    OPEN_STATUSES,
    Escalation,
    EscalationDecision,
    EscalationRule,
    EscalationRuleVersion,
)

# Compiled rule sets, per process (see engine.RuleSetCache).
RULE_SETS = engine.RuleSetCache()

# How long this process trusts a workspace's rules stamp before asking the database again: a
# rule changed by another process (the console's) is in force here within this long; one
# changed in this process, at once (signals.py forgets the stamp). Every customer message
# asked the database before; a burst of them now asks once a second per workspace.
RULES_STAMP_SECONDS = 1.0
_stamps: dict[int, tuple[float, tuple]] = {}
_stamps_lock = threading.Lock()

# After these, a conversation's count of turns without a resolution starts again.
_FRESH_START_EVENTS = (EventType.CONVERSATION_RESOLVED, EventType.CONVERSATION_REOPENED, CONVERSATION_HANDED_BACK)


def rules_of(*, workspace: Workspace) -> QuerySet[EscalationRule]:
    """The workspace's rules that are not deleted, in the order they are evaluated."""
    return (
        EscalationRule.objects.filter(workspace=workspace, deleted_at__isnull=True)
        .annotate(version_count=Max("versions__number"))
        .order_by("position", "pk")
    )


def rule_versions_of(*, rule: EscalationRule) -> QuerySet[EscalationRuleVersion]:
    return EscalationRuleVersion.objects.filter(rule=rule).select_related("changed_by").order_by("-number")


def rule_spec(rule: EscalationRule, *, version: int = 0) -> engine.RuleSpec:
    return engine.RuleSpec(
        id=rule.pk,
        name=rule.name,
        priority=rule.priority,
        action=rule.action,
        conditions=rule.conditions,
        position=rule.position,
        enabled=rule.enabled,
        team=rule.team,
        holding_message=rule.holding_message_text,
        version=version,
    )


def rules_stamp(*, workspace_id: int) -> tuple:
    """Changes whenever any rule of the workspace changes: every write sets ``updated_at``,
    and a new rule changes the count. Deleted rules count too (a deletion touches them)."""
    stamp = EscalationRule.objects.filter(workspace_id=workspace_id).aggregate(
        count=Count("pk"), last=Max("updated_at")
    )
    return stamp["count"], stamp["last"]


def rules_stamp_recent(*, workspace_id: int) -> tuple:
    """``rules_stamp``, as read at most ``RULES_STAMP_SECONDS`` ago."""
    now = time.monotonic()
    with _stamps_lock:
        entry = _stamps.get(workspace_id)
    if entry is not None and now - entry[0] < RULES_STAMP_SECONDS:
        return entry[1]
    stamp = rules_stamp(workspace_id=workspace_id)
    with _stamps_lock:
        _stamps[workspace_id] = (now, stamp)
    return stamp


def rules_stamp_forget(*, workspace_id: int) -> None:
    with _stamps_lock:
        _stamps.pop(workspace_id, None)


def rule_set_for(*, workspace_id: int) -> engine.RuleSet:
    """The workspace's enabled rules, compiled; compiled again only after a change."""

    def load():
        rules = (
            EscalationRule.objects.filter(workspace_id=workspace_id, deleted_at__isnull=True, enabled=True)
            .annotate(version_count=Max("versions__number"))
            .order_by("position", "pk")
        )
        return [rule_spec(rule, version=rule.version_count or 0) for rule in rules]

    return RULE_SETS.get(workspace_id, rules_stamp_recent(workspace_id=workspace_id), load)


def turns_without_resolution(*, conversation: Conversation, up_to_seq: int | None = None) -> int:
    """The customer's messages since the conversation was last resolved, reopened or handed
    back to the AI (or since it started), up to and including ``up_to_seq``."""
    fresh_start = (
        Event.objects.filter(conversation=conversation, type__in=_FRESH_START_EVENTS)
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    messages = Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER)
    if up_to_seq is not None:
        messages = messages.filter(seq__lte=up_to_seq)
    if fresh_start is not None:
        messages = messages.filter(created_at__gt=fresh_start)
    return messages.count()


def opening_message_text(*, conversation: Conversation, message: Message | None = None) -> str:
    """The customer's first message: what the conversation is about, until it has a topic.
    ``message``: the customer's message being evaluated; when it is the conversation's first
    (seq 1: a conversation starts with the customer's message), no query."""
    if message is not None and message.seq == 1 and message.sender == Sender.CUSTOMER:
        return message.text
    return (
        Message.objects.filter(conversation=conversation, sender=Sender.CUSTOMER)
        .order_by("seq")
        .values_list("text", flat=True)
        .first()
        or ""
    )


def decisions_of(*, conversation: Conversation) -> QuerySet[EscalationDecision]:
    return EscalationDecision.objects.filter(conversation=conversation).order_by("-pk")


def escalation_open_of(*, conversation: Conversation) -> Escalation | None:
    return (
        Escalation.objects.filter(conversation=conversation, status__in=OPEN_STATUSES)
        .select_related("claimed_by")
        .first()
    )


def escalations_queued(*, workspace: Workspace) -> QuerySet[Escalation]:
    """The queue: open escalations, most urgent first, then longest waiting."""
    return (
        Escalation.objects.filter(workspace=workspace, status__in=OPEN_STATUSES)
        .select_related("conversation__contact", "claimed_by")
        .order_by("priority", "queued_at")
    )
