"""Writes for conversations. Each change appends its event in the same transaction: the
event log is the outbox that analytics and integrations read."""

import re

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from conversations.errors import ConversationError
from conversations.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Event,
    EventType,
    Message,
    Sender,
)

MAX_MESSAGE_CHARACTERS = 4000
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


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


def _clean_text(text: str) -> str:
    text = (text or "").strip()
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
def message_receive(*, conversation: Conversation, text: str, client_id: str = "") -> tuple[Message, bool]:
    """Store a customer's message — first, before anything that can fail — and return it with
    whether it is new. The same ``client_id`` again returns the stored message (a client that
    re-sends after a dropped connection). A resolved conversation is reopened; a closed one
    takes no more messages. ``message.conversation`` is the conversation as it is now."""
    text = _clean_text(text)
    if client_id and not CLIENT_ID.fullmatch(client_id):
        raise ConversationError("The client id must be 1–64 letters, digits or _ . : -.", code="invalid_client_id")
    # The lock orders concurrent sends to one conversation: sequence numbers stay gapless,
    # and a re-sent client id is seen by the second sender.
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if client_id:
        existing = Message.objects.filter(conversation=locked, client_id=client_id).first()
        if existing is not None:
            return existing, False
    if locked.status == ConversationStatus.CLOSED:
        raise ConversationError(
            "This conversation is closed. Start a new one to write again.", code="conversation_closed", status=409
        )
    now = timezone.now()
    if locked.status == ConversationStatus.RESOLVED:
        locked.status, locked.resolved_at, locked.resolved_by = ConversationStatus.OPEN, None, ""
        event_append(workspace=locked.workspace, conversation=locked, type=EventType.CONVERSATION_REOPENED)
    locked.last_seq += 1
    locked.last_message_at = now
    locked.save(update_fields=["last_seq", "last_message_at", "status", "resolved_at", "resolved_by"])
    message = Message.objects.create(
        workspace_id=locked.workspace_id,
        conversation=locked,
        seq=locked.last_seq,
        sender=Sender.CUSTOMER,
        text=text,
        client_id=client_id,
    )
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.MESSAGE_SENT,
        payload={"message_id": message.pk, "seq": message.seq, "sender": Sender.CUSTOMER},
    )
    return message, True


@transaction.atomic
def message_store_ai_reply(*, conversation: Conversation, text: str, result=None, partial: bool = False) -> Message:
    """Store what the assistant said: the final answer with its accounting, or the text of a
    stream that broke off (``partial``; the answer that followed is its own message)."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    locked.last_seq += 1
    locked.last_message_at = timezone.now()
    locked.save(update_fields=["last_seq", "last_message_at"])
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
    message = Message.objects.create(
        workspace_id=locked.workspace_id,
        conversation=locked,
        seq=locked.last_seq,
        sender=Sender.AI,
        text=text.strip(),
        partial=partial or bool(result is not None and result.partial),
        **accounting,
    )
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.RESPONSE_RECEIVED,
        payload={
            "message_id": message.pk,
            "seq": message.seq,
            "partial": message.partial,
            "provider": message.provider,
            "confidence": message.confidence,
        },
    )
    return message
