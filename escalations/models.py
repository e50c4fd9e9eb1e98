"""Escalation rules and their history, the decisions they make, and the escalation queue.

A rule is ordered, enabled or not, has a priority (P1 most urgent) and an action; its
conditions are JSON that the engine (``escalations/engine``) validates and runs. Every change
to a rule writes an ``EscalationRuleVersion`` with a snapshot and a sentence saying what
changed; deleting a rule only marks it deleted, so its history and the decisions that name
it stay readable. Every decision a rule makes is an ``EscalationDecision``; a decision that
hands the conversation to people opens an ``Escalation``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Workspace
from conversations.models import Conversation, Message
from escalations.defaults import OFFER, ROUTE, STOP, default_holding_message


class RuleAction(models.TextChoices):
    STOP = STOP, "Stop: the AI does not answer; a person takes over"
    ROUTE = ROUTE, "Route: hand to a team with a summary; the AI promises nothing"
    OFFER = OFFER, "Offer: the AI answers and offers a person"


class Stage(models.TextChoices):
    BEFORE = "before", "Before the AI replies"
    AFTER = "after", "After the AI replies"


PRIORITY_CHOICES = [(number, f"P{number}") for number in range(1, 6)]


class EscalationRule(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="escalation_rules")
    name = models.CharField(max_length=120)
    # 1, 2, 3… within the workspace's rules that are not deleted; the first match wins.
    position = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(choices=PRIORITY_CHOICES, default=3)
    action = models.CharField(max_length=8, choices=RuleAction.choices, default=RuleAction.ROUTE)
    team = models.CharField(max_length=50, blank=True, help_text="For route: the team, e.g. “billing”.")
    holding_message = models.TextField(
        blank=True, help_text="What the customer is told while a person takes over; empty = the default."
    )
    conditions = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Part of the stamp compiled rule sets are cached under: every change must touch it.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["workspace", "deleted_at", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=5), name="escalation_rule_priority_1_to_5"
            ),
            models.CheckConstraint(condition=Q(action__in=[STOP, ROUTE, OFFER]), name="escalation_rule_action_known"),
        ]

    def __str__(self) -> str:
        return f"P{self.priority} {self.name}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def holding_message_text(self) -> str:
        return self.holding_message or default_holding_message(self.action, self.team)


class RuleChange(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Edited"
    MOVED = "moved", "Moved"
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


class EscalationRuleVersion(models.Model):
    """One change to a rule: who, when, what (a sentence), and the rule as it was after."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=16, choices=RuleChange.choices)
    summary = models.CharField(max_length=1000)
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="escalation_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule.name} v{self.number}: {self.summary}"


class EscalationDecision(models.Model):
    """A rule matched a message. The rule's name, priority and action are copied, so the
    record reads the same after the rule is edited or deleted."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="escalation_decisions")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    rule_name = models.CharField(max_length=120)
    rule_priority = models.PositiveSmallIntegerField(choices=PRIORITY_CHOICES)
    rule_action = models.CharField(max_length=8, choices=RuleAction.choices)
    rule_version = models.PositiveIntegerField(default=0)
    team = models.CharField(max_length=50, blank=True)
    holding_message = models.TextField(blank=True)
    stage = models.CharField(max_length=8, choices=Stage.choices)
    matched_text = models.CharField(max_length=500, blank=True)
    reason = models.TextField()
    confidence = models.FloatField(null=True, blank=True)
    confidence_threshold = models.FloatField(null=True, blank=True)
    turn_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"{self.rule_name} ({self.stage}): {self.reason}"


class EscalationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CLAIMED = "claimed", "Claimed"
    RESOLVED = "resolved", "Resolved"


class EscalationOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved by an agent"
    HANDED_BACK = "handed_back", "Handed back to the AI"


OPEN_STATUSES = (EscalationStatus.QUEUED, EscalationStatus.CLAIMED)


class SummarySource(models.TextChoices):
    EXTRACTIVE = "extractive", "Extractive (no model)"
    AI = "ai", "AI"


class Escalation(models.Model):
    """A conversation handed to people: queued until an agent claims it, then resolved (or
    handed back to the AI). At most one open escalation per conversation.

    ``summary`` is the handoff summary agents read. It is extractive when the escalation
    opens (escalations/handoff.py, no model call) and, when a language model is configured,
    replaced moments later by the model's (escalations/summaries.py); ``extractive_summary``
    keeps the first either way. Agents only: it never goes to the customer."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="escalations")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="escalations")
    rule = models.ForeignKey(
        EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    decision = models.ForeignKey(
        EscalationDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    reason = models.TextField()
    priority = models.PositiveSmallIntegerField(choices=PRIORITY_CHOICES, default=3)
    team = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.QUEUED)
    outcome = models.CharField(max_length=16, choices=EscalationOutcome.choices, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True)
    summary_source = models.CharField(max_length=16, choices=SummarySource.choices, default=SummarySource.EXTRACTIVE)
    extractive_summary = models.TextField(blank=True)
    # The AI summary's provider and model, and when it was written; empty for an extractive one.
    summary_provider = models.CharField(max_length=40, blank=True)
    summary_model = models.CharField(max_length=100, blank=True)
    summary_generated_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "queued_at"]
        indexes = [models.Index(fields=["workspace", "status", "priority", "queued_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status__in=["queued", "claimed"]),
                name="escalation_one_open_per_conversation",
            ),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=5), name="escalation_priority_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"P{self.priority} escalation of conversation {self.conversation_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def waiting_time(self):
        """How long the customer waited for a person: until claimed, or until now."""
        end = self.claimed_at or self.resolved_at or timezone.now()
        return end - self.queued_at
