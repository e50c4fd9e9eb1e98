"""What the protocol says a message, a conversation and an attachment look like on the wire
(docs/protocol.md). Every transport and the console's live pages use these."""

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts import business_hours
from conversations.models import Attachment, Conversation, ConversationStatus, Event, EventType, Message, Sender

ATTACHMENT_URL_SALT = "chatassist.attachment"


def attachment_url(attachment: Attachment) -> str:
    """A signed link: an <img> cannot send headers, and the id alone must not be enough."""
    signature = signing.dumps(attachment.pk, salt=ATTACHMENT_URL_SALT)
    return reverse("chat_attachment", kwargs={"attachment_id": attachment.pk, "signature": signature})


def attachment_payload(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": attachment_url(attachment),
    }


def message_payload(message: Message) -> dict:
    author = message.author
    return {
        "id": message.pk,
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "client_id": message.client_id,
        "status": message.status,
        "created_at": message.created_at.isoformat(),
        "author_name": (author.display_name if author is not None else ""),
        "partial": message.partial,
        "confidence": message.confidence,
        "citations": [
            {"index": c.get("index"), "document_title": c.get("document_title"), "section": c.get("section", "")}
            for c in message.citations
        ],
        # Only customers attach files: an AI or agent message skips the query.
        "attachments": [attachment_payload(attachment) for attachment in message.attachments.all()]
        if message.sender == Sender.CUSTOMER
        else [],
    }


def conversation_state(conversation: Conversation) -> str:
    """Who the customer is talking to: ``ai``, ``waiting`` (handed to people, nobody has it
    yet), ``human`` (an agent has it), or ``resolved`` / ``closed``."""
    if conversation.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        return conversation.status
    if conversation.assignee_id is not None:
        return "human"
    if conversation.status == ConversationStatus.ESCALATED:
        return "waiting"
    return "ai"


def wait_expectation(conversation: Conversation) -> str:
    """When the customer can expect a person, as of now: business hours aware, in the widget's
    language ("A person usually replies within 5 minutes.")."""
    workspace = conversation.workspace
    return business_hours.human_wait_expectation(
        workspace=workspace, at=timezone.now(), language=workspace.widget_language
    )


def handed_back(conversation: Conversation) -> bool:
    """Whether a person had the conversation and gave it back to the AI (its event is the record)."""
    return Event.objects.filter(conversation_id=conversation.pk, type=EventType.CONVERSATION_HANDED_BACK).exists()


def conversation_payload(conversation: Conversation) -> dict:
    """The conversation as its customer may see it. Besides ``state``, what the widget's header
    says about it: the agent's name (``human``), when to expect a person (``waiting``), and
    whether the AI has it back after a person (``ai``). Each costs a query only in its state."""
    assignee = conversation.assignee
    state = conversation_state(conversation)
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "state": state,
        "last_seq": conversation.last_seq,
        "csat_score": conversation.csat_score,
        "csat_comment": conversation.csat_comment,
        "csat_editable_until": conversation.csat_editable_until.isoformat() if conversation.csat_at else None,
        "assignee_name": assignee.display_name if assignee is not None else "",
        "resolved_by": conversation.resolved_by,
        "wait_expectation": wait_expectation(conversation) if state == "waiting" else "",
        "handed_back": state == "ai" and handed_back(conversation),
    }


def conversation_summary(conversation: Conversation, *, preview: str) -> dict:
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "last_seq": conversation.last_seq,
        "preview": preview[:140],
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
    }
