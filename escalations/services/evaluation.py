"""Running the rules on a customer's message: recorded decisions (``rules_evaluate``) and the
rules page's dry run, which records nothing."""

from decimal import Decimal

from accounts.models import Workspace
from conversations.models import Conversation, Message
from escalations import engine, selectors
from escalations.models import EscalationDecision
from prompts.models import PromptVersion


def _confidence_threshold(workspace_id: int) -> float | None:
    """The active prompt version's threshold: answers less sure than this go to a person."""
    threshold = (
        PromptVersion.objects.filter(workspace_id=workspace_id, is_active=True)
        .values_list("escalation_threshold", flat=True)
        .first()
    )
    return float(threshold) if threshold is not None else None


def rules_evaluate(
    *,
    conversation: Conversation,
    message: Message,
    stage: str,
    confidence: float | None = None,
    confidence_threshold: float | Decimal | None = None,
) -> EscalationDecision | None:
    """Run the workspace's rules of ``stage`` ("before" the AI replies, or "after", with the
    reply's ``confidence``) on the customer's ``message``; record and return the decision of
    the first rule that matches. ``confidence_threshold`` defaults to the active prompt
    version's. Only records: opening an escalation for a stop or route decision is
    ``escalation_open``'s job, so the caller decides what the AI does meanwhile."""
    rule_set = selectors.rule_set_for(workspace_id=conversation.workspace_id)
    if not rule_set.by_stage.get(stage):
        if stage not in engine.STAGES:
            raise ValueError(f"stage must be one of {engine.STAGES}, not {stage!r}")
        return None
    if confidence_threshold is None and stage == engine.AFTER:
        confidence_threshold = _confidence_threshold(conversation.workspace_id)
    counted: list[int] = []

    def turns() -> int:
        counted.append(selectors.turns_without_resolution(conversation=conversation, up_to_seq=message.seq))
        return counted[0]

    def topic() -> str:
        opening = selectors.opening_message_text(conversation=conversation, message=message)
        return f"{conversation.topic}\n{opening}".strip()

    context = engine.Context(
        text=message.text,
        stage=stage,
        confidence=confidence,
        confidence_threshold=float(confidence_threshold) if confidence_threshold is not None else None,
        turns_loader=turns,
        topic_loader=topic,
    )
    match = engine.evaluate(rule_set, context)
    if match is None:
        return None
    if not counted:
        turns()  # the decision records the turn count even when no rule needed it
    return EscalationDecision.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        message=message,
        rule_id=match.rule_id,
        rule_name=match.rule_name,
        rule_priority=match.priority,
        rule_action=match.action,
        rule_version=match.rule_version,
        team=match.team,
        holding_message=match.holding_message,
        stage=stage,
        matched_text=match.matched_text[:500],
        reason=match.reason,
        confidence=confidence,
        confidence_threshold=context.confidence_threshold,
        turn_count=counted[0],
    )


def dry_run(
    *, workspace: Workspace, text: str, turns: int = 0, confidence: float | None = None, topic: str = ""
) -> engine.Match | None:
    """Which rule a sample message would trigger, and why; writes nothing. Before-reply rules
    first, as in a real turn; the after-reply rules too when a ``confidence`` is given."""
    rule_set = selectors.rule_set_for(workspace_id=workspace.pk)
    context = engine.Context(text=text, stage=engine.BEFORE, turns_without_resolution=turns, topic=topic)
    match = engine.evaluate(rule_set, context)
    if match is None and confidence is not None:
        threshold = _confidence_threshold(workspace.pk)
        after = engine.Context(
            text=text,
            stage=engine.AFTER,
            turns_without_resolution=turns,
            confidence=confidence,
            confidence_threshold=threshold,
            topic=topic,
        )
        match = engine.evaluate(rule_set, after)
    return match
