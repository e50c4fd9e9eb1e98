"""Writes for prompts: new versions, activation (and so rollback), the usage ledger."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User, Workspace
from assistant.types import CompletionResult
from prompts.defaults import default_version_fields
from prompts.models import ModelUsage, PromptVersion


@transaction.atomic
def prompt_version_create(
    *, workspace: Workspace, author: User | None, activate: bool = False, **fields
) -> PromptVersion:
    """Save a new version (numbered after the last one); activate it if asked."""
    # Lock the workspace row so that two editors saving at once get different numbers.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    last = PromptVersion.objects.filter(workspace=workspace).aggregate(last=Max("number"))["last"] or 0
    prompt_version = PromptVersion.objects.create(workspace=workspace, author=author, number=last + 1, **fields)
    if activate or last == 0:
        prompt_version_activate(prompt_version=prompt_version)
    return prompt_version


@transaction.atomic
def prompt_version_activate(*, prompt_version: PromptVersion) -> PromptVersion:
    """Make this version the one answers use; activating an older version is a rollback."""
    PromptVersion.objects.filter(workspace=prompt_version.workspace, is_active=True).exclude(
        pk=prompt_version.pk
    ).update(is_active=False)
    now = timezone.now()
    PromptVersion.objects.filter(pk=prompt_version.pk).update(is_active=True, activated_at=now)
    prompt_version.is_active, prompt_version.activated_at = True, now
    return prompt_version


def prompt_version_seed_default(*, workspace: Workspace, company: str = "") -> PromptVersion | None:
    """The default version for a workspace that has none yet, written for ``company`` (the
    workspace's name unless given)."""
    if PromptVersion.objects.filter(workspace=workspace).exists():
        return None
    fields = default_version_fields(company=company or workspace.name)
    return prompt_version_create(workspace=workspace, author=None, **fields)


def model_usage_record(
    *, workspace: Workspace, result: CompletionResult, source: str, prompt_version: PromptVersion | None = None
) -> ModelUsage:
    return ModelUsage.objects.create(
        workspace=workspace,
        source=source,
        prompt_version=prompt_version if prompt_version is not None and prompt_version.pk else None,
        provider=result.provider,
        model=result.model,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        cost_usd=result.cost_usd,
        confidence=result.confidence,
        fallback_used=result.fallback_used,
        budget_exceeded=result.budget_exceeded,
    )
