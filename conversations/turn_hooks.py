"""The two points in a turn where escalation rules decide (DESIGN.md, "The spine"): before
the AI replies (a legal threat stops it before it speaks) and after (low confidence, turn
limit, refund amount). The escalations app plugs its rules engine in here.

Until it does, one rule holds that needs no configuration: once a person has the
conversation (escalated, or assigned to an agent), the AI stays quiet."""

from dataclasses import dataclass

from conversations.models import Conversation, ConversationStatus, Message


@dataclass(frozen=True)
class ReplyDecision:
    ai_replies: bool
    reason: str = ""


def before_reply(*, conversation: Conversation, message: Message) -> ReplyDecision:
    """Called after the customer's message is stored, before retrieval and the model."""
    if conversation.status == ConversationStatus.ESCALATED or conversation.assignee_id is not None:
        return ReplyDecision(ai_replies=False, reason="A person is handling this conversation.")
    return ReplyDecision(ai_replies=True)


def after_reply(*, conversation: Conversation, message: Message, reply: Message) -> None:
    """Called once the AI's final reply is stored with its confidence and accounting. The
    post-reply rules (confidence below the prompt version's threshold, turns without
    resolution) are evaluated here by the escalations app; nothing else happens yet."""
