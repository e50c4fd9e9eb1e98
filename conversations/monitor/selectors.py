"""Reads for the agent monitor, always scoped to a workspace: the rows of its four tabs, one
conversation's transcript for the team (internal notes included), its escalation, and the
dashboard's feed of recent conversations from the event log."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Workspace
from conversations.models import Attachment, Conversation, ConversationStatus, Event, EventType, Message, Sender
from escalations.models import Escalation, EscalationStatus

TABS = (
    ("active", "Active chats"),
    ("queue", "Queue"),
    ("escalations", "Escalations"),
    ("closed", "Closed"),
)
TAB_KEYS = tuple(key for key, _ in TABS)
ROWS_PER_TAB = 100
# An open conversation with no message for this long, and nobody on it, is no longer "active".
ACTIVE_WINDOW = timedelta(hours=24)
TRANSCRIPT_LIMIT = 200


def duration_text(seconds: float | None) -> str:
    """45 s, 12 min, 3 h 05 min, 2 d 4 h: short enough for a table cell."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@dataclass(frozen=True)
class MonitorRow:
    conversation: Conversation
    escalation: Escalation | None
    # The AI's confidence in its last answer; None before it answered.
    confidence: float | None
    # The customer's messages so far.
    turns: int
    # How long the customer has waited: for a person (an escalation, until claimed) or for
    # any answer (their message is the last one).
    waiting_seconds: float | None
    reason: str

    @property
    def waiting(self) -> str:
        return duration_text(self.waiting_seconds)


def _facts(conversation_ref: str) -> dict:
    """Per-conversation subqueries, correlated to ``conversation_ref`` of the outer query."""
    public = Message.objects.filter(conversation=OuterRef(conversation_ref), internal=False)
    customer = public.filter(sender=Sender.CUSTOMER)
    return {
        "ai_confidence": Subquery(
            public.filter(sender=Sender.AI).order_by("-seq").values("confidence")[:1],
        ),
        "customer_turns": Coalesce(
            Subquery(
                customer.order_by().values("conversation").annotate(count=Count("pk")).values("count")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
        "last_sender": Subquery(public.order_by("-seq").values("sender")[:1]),
        "last_customer_at": Subquery(customer.order_by("-seq").values("created_at")[:1]),
    }


def _waiting(now: datetime, item, escalation: Escalation | None) -> float | None:
    if escalation is not None and escalation.status == EscalationStatus.QUEUED:
        return (now - escalation.queued_at).total_seconds()
    if escalation is not None and escalation.status == EscalationStatus.CLAIMED and escalation.claimed_at:
        return (escalation.claimed_at - escalation.queued_at).total_seconds()
    if item.last_sender == Sender.CUSTOMER and item.last_customer_at:
        return (now - item.last_customer_at).total_seconds()
    return None


def _conversation_rows(conversations: QuerySet[Conversation]) -> list[MonitorRow]:
    now = timezone.now()
    latest = Escalation.objects.filter(conversation=OuterRef("pk")).order_by("-queued_at", "-pk")
    conversations = conversations.select_related("contact", "assignee").annotate(
        **_facts("pk"), latest_escalation_id=Subquery(latest.values("pk")[:1])
    )
    conversations = list(conversations[:ROWS_PER_TAB])
    escalations = Escalation.objects.in_bulk([c.latest_escalation_id for c in conversations if c.latest_escalation_id])
    rows = []
    for conversation in conversations:
        escalation = escalations.get(conversation.latest_escalation_id)
        rows.append(
            MonitorRow(
                conversation=conversation,
                escalation=escalation,
                confidence=conversation.ai_confidence,
                turns=conversation.customer_turns,
                waiting_seconds=_waiting(now, conversation, escalation if escalation and escalation.is_open else None),
                reason=escalation.reason if escalation is not None else "",
            )
        )
    return rows


def _escalation_rows(escalations: QuerySet[Escalation]) -> list[MonitorRow]:
    escalations = escalations.select_related("conversation__contact", "conversation__assignee", "claimed_by").annotate(
        **_facts("conversation_id")
    )
    return [
        MonitorRow(
            conversation=escalation.conversation,
            escalation=escalation,
            confidence=escalation.ai_confidence,
            turns=escalation.customer_turns,
            waiting_seconds=escalation.waiting_time.total_seconds(),
            reason=escalation.reason,
        )
        for escalation in escalations[:ROWS_PER_TAB]
    ]


def active_conversations(*, workspace: Workspace) -> QuerySet[Conversation]:
    """Open or escalated, and either recent or in a person's hands."""
    recent = Q(last_message_at__gte=timezone.now() - ACTIVE_WINDOW)
    in_hands = Q(status=ConversationStatus.ESCALATED) | Q(assignee__isnull=False)
    return Conversation.objects.filter(
        Q(workspace=workspace, status__in=[ConversationStatus.OPEN, ConversationStatus.ESCALATED]) & (recent | in_hands)
    )


def queued_escalations(*, workspace: Workspace) -> QuerySet[Escalation]:
    return Escalation.objects.filter(workspace=workspace, status=EscalationStatus.QUEUED)


def monitor_rows(*, workspace: Workspace, tab: str) -> list[MonitorRow]:
    """The rows of one tab: active chats (most recent first), the queue (oldest first), every
    escalation (newest first), closed conversations (most recently active first)."""
    if tab == "queue":
        return _escalation_rows(queued_escalations(workspace=workspace).order_by("queued_at", "pk"))
    if tab == "escalations":
        return _escalation_rows(Escalation.objects.filter(workspace=workspace).order_by("-queued_at", "-pk"))
    if tab == "closed":
        closed = Conversation.objects.filter(
            workspace=workspace, status__in=[ConversationStatus.RESOLVED, ConversationStatus.CLOSED]
        )
        return _conversation_rows(closed.order_by(F("last_message_at").desc(nulls_last=True), "-pk"))
    active = active_conversations(workspace=workspace)
    return _conversation_rows(active.order_by(F("last_message_at").desc(nulls_last=True), "-pk"))


def tab_counts(*, workspace: Workspace) -> dict[str, int]:
    """For the tabs' labels: what needs people now."""
    return {
        "active": active_conversations(workspace=workspace).count(),
        "queue": queued_escalations(workspace=workspace).count(),
    }


# --- one conversation ----------------------------------------------------------------------


def transcript_for_agents(*, conversation: Conversation, after_id: int = 0) -> list[Message]:
    """The conversation's last ``TRANSCRIPT_LIMIT`` messages after message ``after_id``,
    internal notes included, oldest first. Messages are created in the order they are shown,
    so ids give "what is new since" for notes and messages alike."""
    attachments = Attachment.objects.defer("content").order_by("pk")
    messages = (
        Message.objects.filter(conversation=conversation, pk__gt=after_id)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
        .order_by("-seq", "-pk")[:TRANSCRIPT_LIMIT]
    )
    return list(reversed(messages))


def escalation_for_monitor(*, conversation: Conversation) -> Escalation | None:
    """The open escalation, or else the latest one: its reason, rule and handoff summary."""
    escalations = Escalation.objects.filter(conversation=conversation).select_related("claimed_by", "decision")
    return (
        escalations.filter(status__in=[EscalationStatus.QUEUED, EscalationStatus.CLAIMED]).first()
        or escalations.order_by("-queued_at", "-pk").first()
    )


# --- the dashboard's activity feed ---------------------------------------------------------

FEED_EVENTS = (
    EventType.CONVERSATION_RESOLVED,
    EventType.CONVERSATION_ESCALATED,
    EventType.CONVERSATION_CLOSED,
    EventType.CSAT_RECEIVED,
)
FEED_SIZE = 15


@dataclass(frozen=True)
class FeedItem:
    event: Event
    conversation: Conversation
    what: str
    turns: int


def _feed_what(event: Event) -> str:
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.type == EventType.CONVERSATION_RESOLVED:
        return "Resolved by the AI" if payload.get("resolved_by") == "ai" else "Resolved by an agent"
    if event.type == EventType.CONVERSATION_ESCALATED:
        priority = payload.get("priority")
        return f"Escalated (P{priority})" if priority else "Escalated"
    if event.type == EventType.CSAT_RECEIVED:
        return f"Rated {payload.get('score')}/5"
    return "Closed"


def activity_feed(*, workspace: Workspace, limit: int = FEED_SIZE) -> list[FeedItem]:
    """The workspace's latest resolutions, escalations, closures and ratings, newest first,
    each with its conversation's topic, turns and CSAT, from the event log."""
    events = list(
        Event.objects.filter(workspace=workspace, type__in=FEED_EVENTS, conversation__isnull=False)
        .order_by("-pk")
        .select_related("conversation__contact")[:limit]
    )
    turns = dict(
        Message.objects.filter(
            conversation_id__in={event.conversation_id for event in events}, sender=Sender.CUSTOMER, internal=False
        )
        .values("conversation_id")
        .annotate(count=Count("pk"))
        .values_list("conversation_id", "count")
    )
    return [
        FeedItem(event, event.conversation, _feed_what(event), turns.get(event.conversation_id, 0)) for event in events
    ]
