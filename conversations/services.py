"""Writes for conversations. Each change appends its event in the same transaction: the
event log is the outbox that analytics and integrations read."""

import re

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from conversations.chat.payloads import conversation_payload, message_payload
from conversations.errors import ConversationError
from conversations.models import (
    Attachment,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Event,
    EventType,
    Message,
    MessageStatus,
    ResolvedBy,
    Sender,
)
from conversations.realtime import conversation_broadcast_on_commit
from conversations.rows import conversation_lock, message_id_with_client_id, message_insert

MAX_MESSAGE_CHARACTERS = 4000
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _conversation_lock(conversation: Conversation) -> Conversation:
    """The conversation's row, locked (only that row), with its workspace for the events."""
    locked = conversation_lock(conversation.pk)
    if locked is None:
        raise Conversation.DoesNotExist(f"Conversation {conversation.pk} does not exist.")
    return locked


def event_append(*, workspace: Workspace, type: str, conversation: Conversation | None = None, payload=None) -> Event:
    """Call inside the transaction of the change the event describes."""
    return Event.objects.create(workspace=workspace, conversation=conversation, type=type, payload=payload or {})


@transaction.atomic
def conversation_start(*, workspace: Workspace, contact: Contact, channel: str = Channel.WIDGET) -> Conversation:
    conversation = Conversation.objects.create(workspace=workspace, contact=contact, channel=channel)
    event_append(
        workspace=workspace,
        conversation=conversation,
        type=EventType.CONVERSATION_STARTED,
        payload={"channel": channel, "contact_id": contact.pk},
    )
    return conversation


def message_created_broadcast(message: Message, *, stream_id: str = "", origin: str = "") -> None:
    """Everyone watching hears of every stored message once it is committed."""
    frame = {"type": "message.created", "conversation_id": message.conversation_id, "message": message_payload(message)}
    if stream_id:
        frame["stream_id"] = stream_id
    conversation_broadcast_on_commit(conversation=message.conversation, frame=frame, origin=origin)


def message_text_clean(text: str, *, allow_empty: bool = False) -> str:
    text = (text or "").strip()
    if not text and allow_empty:
        return text
    if not text:
        raise ConversationError("The message is empty.", code="empty_message")
    if "\x00" in text:
        raise ConversationError("The message contains a character that cannot be stored.", code="invalid_text")
    if len(text) > MAX_MESSAGE_CHARACTERS:
        raise ConversationError(
            f"The message is too long: at most {MAX_MESSAGE_CHARACTERS:,} characters.",
            code="message_too_long",
            status=413,
        )
    return text


@transaction.atomic
def message_receive(
    *, conversation: Conversation, text: str, client_id: str = "", attachment_ids=(), on_new=None
) -> tuple[Message, bool]:
    """Store a customer's message — first, before anything that can fail — and return it with
    whether it is new. The same ``client_id`` again returns the stored message (a client that
    re-sends after a dropped connection). A resolved conversation is reopened; a closed one
    takes no more messages. ``message.conversation`` is the conversation as it is now.
    ``conversation`` may be a reference (pk, workspace_id, contact_id): it is looked up, and
    ``Conversation.DoesNotExist`` raised, unless it is that contact's in that workspace.
    ``attachment_ids`` are the contact's uploads not yet sent; a message may be only those.
    ``on_new()`` is called once the message is known to be new, before anything is written:
    a rate limit that raises there counts new messages only, and stores nothing."""
    text = message_text_clean(text, allow_empty=bool(attachment_ids))
    if client_id and not CLIENT_ID.fullmatch(client_id):
        raise ConversationError("The client id must be 1–64 letters, digits or _ . : -.", code="invalid_client_id")
    # The lock orders concurrent sends to one conversation: sequence numbers stay gapless,
    # and a re-sent client id is seen by the second sender.
    locked = conversation_lock(
        conversation.pk, workspace_id=conversation.workspace_id, contact_id=conversation.contact_id
    )
    if locked is None:
        raise Conversation.DoesNotExist(f"Conversation {conversation.pk} does not exist.")
    existing_id = message_id_with_client_id(locked.pk, client_id) if client_id else None
    if existing_id is not None:
        existing = Message.objects.get(pk=existing_id)
        Message.conversation.field.set_cached_value(existing, locked)
        return existing, False
    if on_new is not None:
        on_new()
    if locked.status == ConversationStatus.CLOSED:
        raise ConversationError(
            "This conversation is closed. Start a new one to write again.", code="conversation_closed", status=409
        )
    now = timezone.now()
    if locked.status == ConversationStatus.RESOLVED:
        locked.status, locked.resolved_at, locked.resolved_by = ConversationStatus.OPEN, None, ""
        locked.save(update_fields=["status", "resolved_at", "resolved_by"])
        event_append(workspace=locked.workspace, conversation=locked, type=EventType.CONVERSATION_REOPENED)
    # Numbered, stored and its message_sent event appended by one statement.
    message = message_insert(
        locked, now=now, event_type=EventType.MESSAGE_SENT, sender=Sender.CUSTOMER, text=text, client_id=client_id
    )
    if attachment_ids:
        _attachments_bind(message=message, attachment_ids=attachment_ids, contact_id=locked.contact_id)
    else:
        # It has none: its payloads (the broadcast, the acknowledgement) need not ask.
        message._prefetched_objects_cache = {"attachments": Attachment.objects.none()}
    message_created_broadcast(message)
    return message, True


def _attachments_bind(*, message: Message, attachment_ids, contact_id: int) -> None:
    bound = Attachment.objects.filter(
        pk__in=set(attachment_ids), workspace_id=message.workspace_id, contact_id=contact_id, message__isnull=True
    ).update(message=message)
    if bound != len(set(attachment_ids)):
        # Rolls the message back with it: the client may upload again and re-send.
        raise ConversationError(
            "An attachment was not found; upload it again.", code="attachment_not_found", status=404
        )


@transaction.atomic
def message_store_ai_reply(
    *,
    conversation: Conversation,
    text: str,
    result=None,
    partial: bool = False,
    stream_id: str = "",
    origin: str = "",
) -> tuple[Message, bool]:
    """Store what the assistant said: the final answer with its accounting, or the text of a
    stream that broke off (``partial``; the answer that followed is its own message); and
    whether it is new. Each streamed bubble is stored once under its key (``reply_key``): a
    store tried again after the database dropped the connection, perhaps after the commit,
    returns the reply already stored."""
    locked = _conversation_lock(conversation)
    key = reply_key(stream_id) if stream_id else ""
    existing_id = message_id_with_client_id(locked.pk, key) if key else None
    if existing_id is not None:
        return Message.objects.select_related("conversation__workspace").get(pk=existing_id), False
    accounting = {}
    if result is not None:
        accounting = {
            "provider": result.provider,
            "model": result.model,
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "cost_usd": result.cost_usd,
            "first_token_ms": result.first_token_ms,
            "total_ms": result.total_ms,
            "confidence": result.confidence,
            "citations": [
                {
                    "index": c.index,
                    "document_title": c.document_title,
                    "section": c.section,
                    "document_id": c.document_id,
                }
                for c in result.citations
            ],
        }
    # Numbered, stored and its response_received event appended by one statement.
    message = message_insert(
        locked,
        now=timezone.now(),
        event_type=EventType.RESPONSE_RECEIVED,
        event_fields=("seq", "partial", "provider", "confidence"),
        sender=Sender.AI,
        text=text.strip(),
        client_id=key,
        partial=partial or bool(result is not None and result.partial),
        **accounting,
    )
    # The socket that asked (``origin``) gets it as ``completed``, not a second time here.
    message_created_broadcast(message, stream_id=stream_id, origin=origin)
    return message, True


def reply_key(stream_id: str) -> str:
    """The AI reply's own client id: a "/" no client may use (``CLIENT_ID``), so a customer's
    or an agent's id can never take it."""
    return f"ai/{stream_id}"


_STATUS_ORDER = [MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ]


def messages_mark_seen(*, conversation: Conversation, up_to_seq: int, status: str) -> int:
    """The customer's device got (``delivered``) or showed (``read``) the AI's and agents'
    messages up to ``up_to_seq``. Statuses only move forward; watchers hear of a change."""
    lower = _STATUS_ORDER[: _STATUS_ORDER.index(status)]
    changed = Message.objects.filter(
        conversation=conversation,
        seq__lte=up_to_seq,
        sender__in=[Sender.AI, Sender.AGENT],
        internal=False,
        status__in=lower,
    ).update(status=status)
    if changed:
        frame = {"type": "status", "conversation_id": conversation.pk, "up_to_seq": up_to_seq, "status": status}
        conversation_broadcast_on_commit(conversation=conversation, frame=frame, activity=False)
    return changed


def _conversation_updated(conversation: Conversation) -> None:
    frame = {"type": "conversation.updated", "conversation": conversation_payload(conversation)}
    conversation_broadcast_on_commit(conversation=conversation, frame=frame)


@transaction.atomic
def conversation_resolve_by_customer(*, conversation: Conversation) -> Conversation:
    """The customer says the answer solved it. Resolved by the AI unless an agent answered."""
    locked = _conversation_lock(conversation)
    if locked.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        return locked
    agent_answered = locked.messages.filter(sender=Sender.AGENT, internal=False).exists()
    locked.status = ConversationStatus.RESOLVED
    locked.resolved_at = timezone.now()
    locked.resolved_by = ResolvedBy.AGENT if agent_answered else ResolvedBy.AI
    locked.save(update_fields=["status", "resolved_at", "resolved_by"])
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.CONVERSATION_RESOLVED,
        payload={"resolved_by": locked.resolved_by, "by": "customer"},
    )
    _conversation_updated(locked)
    return locked


MAX_CSAT_COMMENT = 1000


@transaction.atomic
def conversation_rate(*, conversation: Conversation, score: int, comment: str = "") -> Conversation:
    """CSAT from the customer, once the conversation is resolved or closed. A second rating
    replaces the first (people change their minds) for ``CSAT_EDIT_MINUTES`` after the first;
    after that the rating stands, so that reports do not move under a manager's feet."""
    if not 1 <= score <= 5:
        raise ConversationError("The rating must be from 1 to 5 stars.", code="invalid_score")
    locked = _conversation_lock(conversation)
    if locked.status not in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationError(
            "A conversation can be rated once it is resolved.", code="conversation_not_resolved", status=409
        )
    now = timezone.now()
    if locked.csat_at is not None and now > locked.csat_editable_until:
        raise ConversationError("This conversation's rating can no longer be changed.", code="rating_final", status=409)
    locked.csat_score, locked.csat_comment = score, (comment or "").strip()[:MAX_CSAT_COMMENT]
    locked.csat_at = locked.csat_at or now
    locked.save(update_fields=["csat_score", "csat_comment", "csat_at"])
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.CSAT_RECEIVED,
        payload={"score": score, "has_comment": bool(locked.csat_comment)},
    )
    _conversation_updated(locked)
    return locked


@transaction.atomic
def message_store_system(*, conversation: Conversation, text: str, payload: dict | None = None) -> Message:
    """A notice from ChatAssist itself in the conversation (a hand-off, after-hours hours, an
    offer of a person): shown to the customer and the agents, never sent to a model."""
    locked = _conversation_lock(conversation)
    message = message_insert(
        locked,
        now=timezone.now(),
        event_type=EventType.MESSAGE_SENT,
        event_extra=payload,
        sender=Sender.SYSTEM,
        text=text,
    )
    message_created_broadcast(message)
    return message
