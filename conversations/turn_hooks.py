"""The two points in a turn where escalation rules decide (DESIGN.md, "The spine"): before
the AI replies (a legal threat stops it before it speaks: the model is never called) and
after (low confidence, turns without resolution).

- **stop** and **route**: an escalation is queued with its handoff summary; instead of the
  model, the customer gets the rule's holding message (which promises and denies nothing)
  and when to expect a person (business hours aware; the after-hours message outside them).
- **offer**: the AI answers, then a person is offered, once per conversation.

Once a person has the conversation (escalated, or assigned to an agent), the AI stays quiet.
Both hooks run on a chat database thread, in the trip that stored the message or the reply."""

from dataclasses import dataclass

from django.utils import timezone

from accounts import business_hours
from conversations import services
from conversations.chat.payloads import conversation_payload, message_payload
from conversations.models import Conversation, ConversationStatus, Event, EventType, Message
from escalations.defaults import OFFER, default_holding_message
from escalations.engine import AFTER, BEFORE
from escalations.models import EscalationDecision
from escalations.services import escalation_open, rules_evaluate

OFFERED = "human_offered"


@dataclass(frozen=True)
class ReplyDecision:
    ai_replies: bool
    reason: str = ""
    # An offer-of-a-person decision, made before the reply, shown after it.
    offer: EscalationDecision | None = None
    # What the socket that asked must get at once (the holding message, the new status):
    # it may not be subscribed to the conversation's group yet.
    frames: tuple[dict, ...] = ()


def before_reply(*, conversation: Conversation, message: Message) -> ReplyDecision:
    """Called after the customer's message is stored, before retrieval and the model."""
    if conversation.status == ConversationStatus.ESCALATED or conversation.assignee_id is not None:
        return ReplyDecision(ai_replies=False, reason="A person is handling this conversation.")
    decision = rules_evaluate(conversation=conversation, message=message, stage=BEFORE)
    if decision is None:
        return ReplyDecision(ai_replies=True)
    if decision.rule_action == OFFER:
        return ReplyDecision(ai_replies=True, reason=decision.reason, offer=decision)
    frames = _hand_over(conversation=conversation, decision=decision)
    return ReplyDecision(ai_replies=False, reason=decision.reason, frames=frames)


def after_reply(
    *, conversation: Conversation, message: Message, reply: Message, offer: EscalationDecision | None = None
) -> None:
    """Called once the AI's final reply is stored with its confidence and accounting."""
    decision = rules_evaluate(conversation=conversation, message=message, stage=AFTER, confidence=reply.confidence)
    decision = decision or offer
    if decision is None:
        return
    if decision.rule_action == OFFER:
        _offer_person(conversation=conversation, decision=decision)
    else:
        _hand_over(conversation=conversation, decision=decision)


def _hand_over(*, conversation: Conversation, decision: EscalationDecision) -> tuple[dict, ...]:
    escalation_open(conversation=conversation, decision=decision)
    workspace = conversation.workspace
    now = timezone.now()
    holding = decision.holding_message or default_holding_message(decision.rule_action, decision.team)
    parts = [holding]
    if not business_hours.is_open(workspace=workspace, at=now) and workspace.after_hours_message:
        parts.append(workspace.after_hours_message)
    parts.append(business_hours.human_wait_expectation(workspace=workspace, at=now, language=workspace.widget_language))
    holding_message = services.message_store_system(
        conversation=conversation,
        text="\n\n".join(part.strip() for part in parts if part.strip()),
        payload={"kind": "handoff", "decision_id": decision.pk},
    )
    conversation = holding_message.conversation
    return (
        {"type": "conversation.updated", "conversation": conversation_payload(conversation)},
        {"type": "message.created", "conversation_id": conversation.pk, "message": message_payload(holding_message)},
    )


def _offer_person(*, conversation: Conversation, decision: EscalationDecision) -> None:
    # Once per conversation, whichever rule offers and whatever its text says now.
    already = Event.objects.filter(conversation=conversation, type=EventType.MESSAGE_SENT, payload__kind=OFFERED)
    if not already.exists():
        services.message_store_system(
            conversation=conversation, text=_offer_text(decision), payload={"kind": OFFERED, "decision_id": decision.pk}
        )


def _offer_text(decision: EscalationDecision) -> str:
    return decision.holding_message or default_holding_message(OFFER)
