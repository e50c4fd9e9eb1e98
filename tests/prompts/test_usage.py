"""The usage ledger and the monthly token budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assistant.types import CompletionResult
from prompts import selectors, services
from prompts.models import ModelUsage, PromptVersion, UsageSource

pytestmark = pytest.mark.django_db


def _result(**changes) -> CompletionResult:
    fields = {
        "text": "Answer",
        "provider": "anthropic",
        "model": "claude-sonnet-4-6",
        "input_tokens": 1200,
        "output_tokens": 300,
        "cost_usd": Decimal("0.0081"),
        "first_token_ms": 210.0,
        "total_ms": 1900.0,
        "stop_reason": "end_turn",
        "confidence": 0.8,
    }
    return CompletionResult(**{**fields, **changes})


def test_usage_is_recorded_with_its_version(workspace):
    version = PromptVersion.objects.get(workspace=workspace)
    usage = services.model_usage_record(
        workspace=workspace, result=_result(), source=UsageSource.SANDBOX, prompt_version=version
    )
    assert (usage.total_tokens, usage.cost_usd, usage.prompt_version, usage.source) == (
        1500,
        Decimal("0.0081"),
        version,
        "sandbox",
    )


def test_an_unsaved_draft_is_recorded_without_a_version(workspace):
    draft = PromptVersion(workspace=workspace, number=0, system_prompt="draft")
    usage = services.model_usage_record(
        workspace=workspace, result=_result(), source=UsageSource.SANDBOX, prompt_version=draft
    )
    assert usage.prompt_version is None


def test_budget_counts_this_month_only_and_this_workspace_only(workspace, other_workspace, settings):
    settings.DEFAULT_MONTHLY_TOKEN_BUDGET = 0
    assert selectors.tokens_remaining_this_month(workspace=workspace) is None  # no limit
    workspace.monthly_token_budget = 5000
    workspace.save()
    services.model_usage_record(workspace=workspace, result=_result(), source=UsageSource.CONVERSATION)
    old = services.model_usage_record(workspace=workspace, result=_result(), source=UsageSource.CONVERSATION)
    ModelUsage.objects.filter(pk=old.pk).update(created_at=timezone.now().replace(day=1) - timedelta(days=3))
    services.model_usage_record(workspace=other_workspace, result=_result(), source=UsageSource.CONVERSATION)
    assert selectors.tokens_used_this_month(workspace=workspace) == 1500
    assert selectors.tokens_remaining_this_month(workspace=workspace) == 3500


def test_the_server_default_budget_applies_unless_the_workspace_sets_its_own(workspace, settings):
    settings.DEFAULT_MONTHLY_TOKEN_BUDGET = 1000
    assert selectors.tokens_remaining_this_month(workspace=workspace) == 1000
    workspace.monthly_token_budget = 0  # explicitly unlimited
    workspace.save()
    assert selectors.tokens_remaining_this_month(workspace=workspace) is None


def test_offline_answers_do_not_spend_the_budget(workspace):
    workspace.monthly_token_budget = 1000
    workspace.save()
    offline = _result(provider="offline", model="offline", cost_usd=Decimal("0"))
    services.model_usage_record(workspace=workspace, result=offline, source=UsageSource.CONVERSATION)
    assert selectors.tokens_remaining_this_month(workspace=workspace) == 1000
