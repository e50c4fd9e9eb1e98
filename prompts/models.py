"""Prompt versions (what we tell the model) and the ledger of model usage (what it cost)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Workspace


class PromptVersionIsImmutable(Exception):
    """A saved prompt version never changes; make a new version instead."""


class PromptVersion(models.Model):
    """One saved version of a workspace's prompt. Immutable once saved: only which version is
    active changes, so every answer can be traced to the exact text that produced it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="prompt_versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the workspace.")
    system_prompt = models.TextField()
    # [{"customer": "...", "assistant": "..."}, ...]
    examples = models.JSONField(default=list, blank=True)
    tone = models.CharField(max_length=200, blank=True, help_text="e.g. “friendly and concise”.")
    language = models.CharField(
        max_length=16, blank=True, help_text="A language code such as “en”; empty = answer in the customer's language."
    )
    max_response_words = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(10), MaxValueValidator(2000)]
    )
    max_response_tokens = models.PositiveIntegerField(
        default=600, validators=[MinValueValidator(50), MaxValueValidator(8000)]
    )
    primary_model = models.CharField(max_length=100, blank=True, help_text="Empty = the provider's default model.")
    fallback_model = models.CharField(max_length=100, blank=True)
    history_turns = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(0), MaxValueValidator(50)], help_text="Earlier messages sent along."
    )
    escalation_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.40"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Answers with a confidence below this are handed to a person.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, help_text="What changed and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    # The fields that make up a version's content, in the order the diff shows them.
    CONTENT_FIELDS = (
        "system_prompt",
        "examples",
        "tone",
        "language",
        "max_response_words",
        "max_response_tokens",
        "primary_model",
        "fallback_model",
        "history_turns",
        "escalation_threshold",
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="prompt_version_number_unique"),
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_active=True), name="prompt_version_one_active_per_workspace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workspace} v{self.number}{' (active)' if self.is_active else ''}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (update_fields is None or set(update_fields) - {"is_active", "activated_at"}):
            raise PromptVersionIsImmutable(f"Version {self.number} is saved and cannot change; save a new version.")
        super().save(*args, **kwargs)


class UsageSource(models.TextChoices):
    CONVERSATION = "conversation", "Conversation"
    SANDBOX = "sandbox", "Sandbox"
    # An escalation's AI handoff summary, written for the agent (escalations/summaries.py).
    HANDOFF_SUMMARY = "handoff_summary", "Handoff summary"


class ModelUsage(models.Model):
    """Every call to the assistant: tokens, cost, who answered. The monthly token budget and
    the cost dashboards read this ledger."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="model_usage")
    source = models.CharField(max_length=16, choices=UsageSource.choices)
    prompt_version = models.ForeignKey(
        PromptVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=100)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    confidence = models.FloatField(null=True, blank=True)
    fallback_used = models.BooleanField(default=False)
    budget_exceeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "created_at"])]
        verbose_name_plural = "model usage"

    def __str__(self) -> str:
        return f"{self.workspace}: {self.provider}/{self.model} {self.input_tokens}+{self.output_tokens} tokens"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens
