"""Contacts, conversations, messages, attachments, and the append-only event log.

Every message has a sequence number within its conversation: clients resume after the last
one they saw. The event log is a transactional outbox: an event is written in the same
transaction as the change it describes, and analytics and integrations read it later."""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q

from accounts.models import Workspace


class Contact(models.Model):
    """A customer of the workspace, as the widget or the API knows them."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    # The company's own user id, when its backend identifies the visitor.
    external_id = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # True only when the identity was signed by the company's backend (identity verification).
    verified = models.BooleanField(default=False)
    # An anonymous visitor's id, from the signed visitor token the widget keeps.
    visitor_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], condition=~Q(external_id=""), name="contact_external_id_unique"
            ),
            models.UniqueConstraint(
                fields=["workspace", "visitor_id"], condition=~Q(visitor_id=""), name="contact_visitor_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id or f"Visitor {self.pk}"


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Channel(models.TextChoices):
    WIDGET = "widget", "Widget"
    API = "api", "API"


class ResolvedBy(models.TextChoices):
    AI = "ai", "AI"
    AGENT = "agent", "Agent"


class Conversation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    status = models.CharField(max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.OPEN)
    # 1 (most urgent) to 5, as escalation rules' P1 to P5.
    priority = models.PositiveSmallIntegerField(default=3)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WIDGET)
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True)
    csat_comment = models.TextField(blank=True)
    # When the customer first rated: they may change the rating for CSAT_EDIT_MINUTES after.
    csat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=8, choices=ResolvedBy.choices, blank=True)
    # The last sequence number given to a message; allocating the next one locks this row.
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "status", "-last_message_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="conversation_priority_1_to_5"),
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True) | Q(csat_score__gte=1, csat_score__lte=5),
                name="conversation_csat_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} with {self.contact}"

    @property
    def csat_editable_until(self):
        """Until when the customer may change their rating; None before the first one."""
        if self.csat_at is None:
            return None
        return self.csat_at + timedelta(minutes=settings.CSAT_EDIT_MINUTES)


class Sender(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AI = "ai", "AI"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class MessageStatus(models.TextChoices):
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"


# What history search matches messages on. The GIN index below is built on this very
# expression, and the search (conversations/selectors.py) filters on it, so that PostgreSQL
# can answer from the index: the two must stay the same expression.
MESSAGE_SEARCH_VECTOR = SearchVector("text", config="english")


class Message(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.CharField(max_length=16, choices=Sender.choices)
    # The agent who wrote it (sender "agent").
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    # Chosen by the client so that a re-sent message is stored once.
    client_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.SENT)
    created_at = models.DateTimeField(auto_now_add=True)
    # AI replies: who answered, what it cost, how sure it was, what it cited.
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    first_token_ms = models.FloatField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    citations = models.JSONField(default=list, blank=True)
    # Cut short by a failure mid-stream; the answer that followed is its own message.
    partial = models.BooleanField(default=False)
    # An agent's internal note: for the team only, never sent to the customer nor to a model.
    # Notes take no sequence number of their own (the customer's numbering stays gapless):
    # ``seq`` is the last message's when the note was written, so it sorts after that one.
    internal = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["conversation", "seq", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], condition=Q(internal=False), name="message_seq_unique"
            ),
            models.UniqueConstraint(
                fields=["conversation", "client_id"], condition=~Q(client_id=""), name="message_client_id_unique"
            ),
        ]
        indexes = [GinIndex(MESSAGE_SEARCH_VECTOR, name="message_text_search_gin")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.sender}: {self.text[:40]}"


class Attachment(models.Model):
    """Uploaded first, then sent with a message: ``message`` is empty until then."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file_name = models.CharField(max_length=255)
    # Detected from the content, never taken from the name or the client.
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    # In the database, like knowledge documents: every web server sees the same bytes.
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file_name


class EventType(models.TextChoices):
    CONVERSATION_STARTED = "conversation_started"
    MESSAGE_SENT = "message_sent"
    RESPONSE_RECEIVED = "response_received"
    CONVERSATION_ESCALATED = "conversation_escalated"
    CONVERSATION_RESOLVED = "conversation_resolved"
    CONVERSATION_REOPENED = "conversation_reopened"
    CONVERSATION_CLOSED = "conversation_closed"
    CSAT_RECEIVED = "csat_received"
    # Priority, tags or topic changed by a person or an API client.
    CONVERSATION_UPDATED = "conversation_updated"
    # An agent took the conversation (took it over, or answered it first).
    CONVERSATION_ASSIGNED = "conversation_assigned"
    # An agent gave the conversation back to the AI.
    CONVERSATION_HANDED_BACK = "conversation_handed_back"
    # An agent claimed a queued escalation (escalations/services.py).
    ESCALATION_CLAIMED = "escalation_claimed"
    # An agent wrote an internal note (its payload never holds the text).
    NOTE_ADDED = "note_added"


class Event(models.Model):
    """Append-only: what happened, written in the same transaction as the change itself."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["workspace", "type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.type} ({self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Events are append-only.")
        super().save(*args, **kwargs)
