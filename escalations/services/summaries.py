"""The AI handoff summary's writes: queueing it when an escalation opens, and storing it.

The customer's turn never waits for a model: ``escalation_open`` stores the extractive
summary and, when a language model is configured, queues ``escalations.tasks.escalation_summarize``
after commit. The task calls ``escalation_summarize``, which asks the model (outside any
transaction), records what it cost, and replaces the summary only when the model really
answered; otherwise the extractive summary stays, and nothing is retried (the assistant
layer already retried and fell back)."""

import logging

from django.db import transaction
from django.utils import timezone

from assistant.config import AssistantConfig
from assistant.providers import OFFLINE
from assistant.selection import language_model_planned
from assistant.types import CompletionResult
from conversations.realtime import agents_broadcast_on_commit
from conversations.services import event_append
from escalations import summaries
from escalations.events import ESCALATION_SUMMARIZED
from escalations.models import Escalation, SummarySource
from escalations.realtime import escalations_updated_on_commit
from prompts.models import UsageSource
from prompts.selectors import active_prompt_version, tokens_remaining_this_month
from prompts.services import model_usage_record

logger = logging.getLogger(__name__)

# A broker that is down must not hold the customer's turn: one quick retry, then the
# extractive summary is all the agent gets.
QUEUE_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def _queue(escalation_id: int, workspace_id: int) -> None:
    from escalations.tasks import escalation_summarize as summarize_task

    try:
        summarize_task.apply_async(
            kwargs={"escalation_id": escalation_id, "workspace_id": workspace_id},
            retry=True,
            retry_policy=QUEUE_RETRY_POLICY,
        )
    except Exception:
        logger.warning("Could not queue the AI summary of escalation %s", escalation_id, exc_info=True)


def escalation_summary_queue(*, escalation: Escalation, config: AssistantConfig | None = None) -> bool:
    """Queue the AI summary of a newly opened escalation, after commit, when a language model
    is configured. Call inside the transaction that opened it; no database access, no model
    call. Returns whether it was queued."""
    if not summaries.model_configured(config=config):
        return False
    escalation_id, workspace_id = escalation.pk, escalation.workspace_id
    transaction.on_commit(lambda: _queue(escalation_id, workspace_id))
    return True


def escalation_summarize(*, escalation: Escalation, config: AssistantConfig | None = None) -> bool:
    """Ask the model for the handoff summary of ``escalation`` and store it in place of the
    extractive one; tell the agents watching. Returns whether an AI summary was stored.

    Never raises for model trouble and never calls the model while holding a transaction.
    Nothing happens when the escalation already has an AI summary, is no longer open, the
    workspace's token budget is spent, or only the offline provider is configured. What the
    call cost is recorded in the model-usage ledger (source "handoff_summary"), whether the
    summary is stored or not."""
    if escalation.summary_source == SummarySource.AI or not escalation.is_open:
        return False
    config = config or AssistantConfig.from_django_settings()
    workspace = escalation.workspace
    request = summaries.summary_request(
        escalation=escalation, prompt_version=active_prompt_version(workspace=workspace)
    )
    if not language_model_planned(request=request, config=config):
        return False
    remaining = tokens_remaining_this_month(workspace=workspace)
    if remaining is not None and remaining <= 0:
        logger.info("No AI summary for escalation %s: workspace %s spent its tokens", escalation.pk, workspace.pk)
        return False
    try:
        result = summaries.summary_complete(request=request, config=config)
    except Exception:
        logger.exception("The AI summary of escalation %s failed; the extractive one stays", escalation.pk)
        return False
    if _used_a_model(result):
        model_usage_record(workspace=workspace, result=result, source=UsageSource.HANDOFF_SUMMARY)
    text = summaries.usable_summary(result)
    if not text:
        errors = "; ".join(attempt.error for attempt in result.attempts if attempt.error) if result else ""
        logger.warning(
            "No AI summary for escalation %s (answered by %s, stop reason %s): %s; the extractive one stays",
            escalation.pk,
            result.provider if result else "nobody",
            result.stop_reason if result else "-",
            errors or "no text",
        )
        return False
    return _summary_store(escalation=escalation, text=text, provider=result.provider, model=result.model)


def _used_a_model(result: CompletionResult | None) -> bool:
    """Whether the call spent language-model tokens: a model answered, or an attempt that
    failed had been billed. The offline provider's stand-in answer alone is not recorded."""
    if result is None:
        return False
    return result.provider != OFFLINE or any(
        attempt.provider != OFFLINE and (attempt.input_tokens or attempt.output_tokens) for attempt in result.attempts
    )


@transaction.atomic
def _summary_store(*, escalation: Escalation, text: str, provider: str, model: str) -> bool:
    # One conditional update, no row lock: it cannot deadlock with the lifecycle's
    # conversation-then-escalation locks, and of two runs (a re-delivered task) one wins.
    generated_at = timezone.now()
    stored = Escalation.objects.filter(
        pk=escalation.pk, workspace_id=escalation.workspace_id, summary_source=SummarySource.EXTRACTIVE
    ).update(
        summary=text,
        summary_source=SummarySource.AI,
        summary_provider=provider,
        summary_model=model,
        summary_generated_at=generated_at,
    )
    if not stored:
        return False
    conversation = escalation.conversation
    event_append(
        workspace=escalation.workspace,
        conversation=conversation,
        type=ESCALATION_SUMMARIZED,
        # Who wrote it, never the text: the event log feeds integrations.
        payload={"escalation_id": escalation.pk, "source": SummarySource.AI, "provider": provider, "model": model},
    )
    # To the agents' group only: the customer's widget never hears of the summary.
    frame = {
        "type": "escalation.summarized",
        "conversation_id": conversation.pk,
        "escalation_id": escalation.pk,
        "summary_source": SummarySource.AI,
    }
    agents_broadcast_on_commit(conversation=conversation, frame=frame)
    escalations_updated_on_commit(escalation, change="summary")
    escalation.summary, escalation.summary_source = text, SummarySource.AI
    escalation.summary_provider, escalation.summary_model = provider, model
    escalation.summary_generated_at = generated_at
    return True
