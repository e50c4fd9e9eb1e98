"""Reads for prompts, always scoped to a workspace."""

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import Workspace
from prompts.models import ModelUsage, PromptVersion


def prompt_versions_of(*, workspace: Workspace) -> QuerySet[PromptVersion]:
    return PromptVersion.objects.filter(workspace=workspace).select_related("author").order_by("-number")


def active_prompt_version(*, workspace: Workspace) -> PromptVersion | None:
    return PromptVersion.objects.filter(workspace=workspace, is_active=True).first()


def tokens_used_this_month(*, workspace: Workspace) -> int:
    """Language-model tokens this calendar month (UTC). The offline provider's answers count
    tokens too but cost nothing, so they do not spend the budget."""
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    usage = ModelUsage.objects.filter(workspace=workspace, created_at__gte=month_start).exclude(provider="offline")
    totals = usage.aggregate(input=Sum("input_tokens"), output=Sum("output_tokens"))
    return (totals["input"] or 0) + (totals["output"] or 0)


def tokens_remaining_this_month(*, workspace: Workspace) -> int | None:
    """None when the workspace has no budget; otherwise what is left (may be ≤ 0)."""
    budget = workspace.token_budget
    if not budget:
        return None
    return budget - tokens_used_this_month(workspace=workspace)
