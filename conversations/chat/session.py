"""One customer's chat session, whatever carries it: the widget's socket, the HTTP fallback
or a company's backend. Transports parse frames, call these methods (synchronous: they
touch the database) and send what comes back; this module decides what is allowed.

Conversation ids from a client are looked up only among the session contact's own
conversations: another contact's or another workspace's look missing."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery

from accounts.models import Workspace
from conversations import services, turn_hooks
from conversations.chat import identity, limits
from conversations.chat.frames import Frame
from conversations.chat.payloads import conversation_payload, conversation_summary, message_payload
from conversations.errors import ConversationError
from conversations.models import Channel, Contact, Conversation, Message, MessageStatus, Sender

PAST_CONVERSATIONS = 20
PAGE_SIZE = 200


class ConversationNotFound(ConversationError):
    code = "conversation_not_found"
    status = 404

    def __init__(self):
        super().__init__("There is no such conversation for this visitor.")


@dataclass
class Accepted:
    conversation: Conversation
    message: Message
    created: bool
    # The ``message.created`` frame that acknowledges it.
    frame: dict
    # Whether the AI answers it (new, and the pre-reply escalation hook lets it).
    ai_replies: bool
    # What the pre-reply hook decided, for the post-reply hook (an offer of a person).
    decision: "turn_hooks.ReplyDecision | None" = None


class ChatSession:
    def __init__(self, *, workspace: Workspace, channel: str = Channel.WIDGET, client_ip: str = ""):
        self.workspace = workspace
        self.channel = channel
        self.client_ip = client_ip  # chatassist/client_ip.py
        self.visitor: identity.Visitor | None = None

    @property
    def ready(self) -> bool:
        return self.visitor is not None

    @property
    def visitor_key(self) -> str:
        """Who the per-visitor limits count: the contact, else the anonymous visitor."""
        if self.visitor is not None and self.visitor.contact is not None:
            return f"c{self.visitor.contact.pk}"
        return f"v{self.visitor.visitor_id if self.visitor is not None else ''}"

    @property
    def limited_ip(self) -> str | None:
        """The address the per-address limits count; None for a company's backend, which
        speaks for all its users from one address."""
        return None if self.channel == Channel.API else self.client_ip

    # --- who ---------------------------------------------------------------------------------

    def hello(self, frame: Frame) -> dict:
        limits.hello_check(workspace_id=self.workspace.pk, client_ip=self.client_ip)
        self.visitor = identity.visitor_open(
            workspace=self.workspace,
            token=frame.visitor_token,
            identity=frame.identity,
            name=frame.name,
            email=frame.email,
        )
        return self.ready_frame()

    def resume_token(self, token: str) -> bool:
        """HTTP requests after ``hello`` carry the token ``ready`` gave out."""
        self.visitor = identity.visitor_from_token(workspace=self.workspace, token=token, allow_verified=True)
        return self.visitor is not None

    def trusted_contact(self, *, external_id: str, email: str = "", name: str = "") -> None:
        """A company's backend (API key) names its user: trusted, like a verified identity."""
        if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > 255:
            raise ConversationError(
                "“contact.external_id” is required: your user's id, as a string.", code="invalid_contact"
            )
        with transaction.atomic():
            contact, _ = Contact.objects.select_for_update().get_or_create(
                workspace=self.workspace, external_id=external_id.strip()
            )
            contact.verified = True
            contact.email = (email or contact.email)[:254]
            contact.name = (name or contact.name)[:200]
            contact.save(update_fields=["verified", "email", "name"])
        self.visitor = identity.Visitor(workspace=self.workspace, contact=contact)

    def ready_frame(self) -> dict:
        contact = self.visitor.contact
        return {
            "type": "ready",
            "visitor_token": self.visitor.token(),
            "contact": {
                "id": contact.pk if contact else None,
                "name": contact.name if contact else self.visitor.name,
                "email": contact.email if contact else self.visitor.email,
                "verified": self.visitor.verified,
            },
            "conversations": self._past_conversations(),
        }

    def _past_conversations(self) -> list[dict]:
        contact = self.visitor.contact
        if contact is None:
            return []
        last_text = (
            Message.objects.filter(conversation=OuterRef("pk"), internal=False).order_by("-seq").values("text")[:1]
        )
        conversations = (
            Conversation.objects.filter(workspace=self.workspace, contact=contact)
            .annotate(preview=Subquery(last_text))
            .order_by("-last_message_at", "-pk")[:PAST_CONVERSATIONS]
        )
        return [conversation_summary(c, preview=c.preview or "") for c in conversations]

    # --- what --------------------------------------------------------------------------------

    def conversation_get(self, conversation_id: int | None) -> Conversation:
        contact = self.visitor.contact if self.visitor else None
        conversation = (
            Conversation.objects.select_related("workspace", "assignee")
            .filter(workspace=self.workspace, contact=contact, pk=conversation_id)
            .first()
            if contact is not None and conversation_id
            else None
        )
        if conversation is None:
            raise ConversationNotFound()
        return conversation

    def message_accept(self, frame: Frame) -> Accepted:
        """Store the customer's message — first, before anything that can fail — or return the
        one already stored under this client id; with its acknowledgement frame and whether the
        AI answers, in the same trip to the database thread."""
        conversation, message, created = self._message_store(frame)
        decision = turn_hooks.before_reply(conversation=conversation, message=message) if created else None
        ai_replies = decision is not None and decision.ai_replies
        acknowledgement = {
            "type": "message.created",
            "conversation_id": conversation.pk,
            "message": message_payload(message),
        }
        return Accepted(conversation, message, created, acknowledgement, ai_replies, decision)

    def _message_store(self, frame: Frame) -> tuple[Conversation, Message, bool]:
        """The rate limit counts new messages only."""
        if frame.conversation_id is not None:
            contact = self.visitor.contact if self.visitor else None
            if contact is None:
                raise ConversationNotFound()
            # Only the visitor's own: message_receive looks it up with its lock, in one query.
            reference = Conversation(pk=frame.conversation_id, workspace_id=self.workspace.pk, contact_id=contact.pk)
            try:
                message, created = services.message_receive(
                    conversation=reference,
                    text=frame.text,
                    client_id=frame.client_id,
                    attachment_ids=frame.attachment_ids,
                    on_new=lambda: limits.message_rate_check(
                        workspace_id=self.workspace.pk, contact_id=contact.pk, client_ip=self.limited_ip
                    ),
                )
            except Conversation.DoesNotExist:
                raise ConversationNotFound() from None
            return message.conversation, message, created
        contact = self.visitor.contact_ensure()
        with transaction.atomic():
            # The first message of a conversation may be re-sent before its conversation id
            # reached the client: the contact's lock and its client ids keep it single.
            Contact.objects.select_for_update().filter(pk=contact.pk).first()
            existing = (
                Message.objects.filter(conversation__contact=contact, sender=Sender.CUSTOMER, client_id=frame.client_id)
                .select_related("conversation__workspace")
                .first()
            )
            if existing is not None:
                return existing.conversation, existing, False
            limits.message_rate_check(workspace_id=self.workspace.pk, contact_id=contact.pk, client_ip=self.limited_ip)
            services.message_text_clean(frame.text, allow_empty=bool(frame.attachment_ids))  # refuse before starting
            conversation = services.conversation_start(workspace=self.workspace, contact=contact, channel=self.channel)
            message, created = services.message_receive(
                conversation=conversation,
                text=frame.text,
                client_id=frame.client_id,
                attachment_ids=frame.attachment_ids,
            )
        return message.conversation, message, created

    def messages_after(self, conversation: Conversation, after_seq: int, *, limit: int = PAGE_SIZE) -> list[dict]:
        """What the customer may see: every message after ``after_seq`` but agents' internal
        notes. Resume, the history endpoint and SSE all read through here."""
        messages = (
            Message.objects.filter(conversation=conversation, seq__gt=after_seq, internal=False)
            .select_related("author")
            .prefetch_related("attachments")
            .order_by("seq")[:limit]
        )
        return [message_payload(message) for message in messages]

    def resume_frames(self, conversation: Conversation, after_seq: int) -> list[dict]:
        frames = [
            {"type": "message.created", "conversation_id": conversation.pk, "message": payload}
            for payload in self.messages_after(conversation, after_seq, limit=10_000)
        ]
        conversation.refresh_from_db()
        frames.append({"type": "conversation.updated", "conversation": conversation_payload(conversation)})
        return frames

    def delivered(self, conversation_id: int, up_to_seq: int) -> None:
        conversation = Conversation(pk=conversation_id, workspace_id=self.workspace.pk)
        services.messages_mark_seen(conversation=conversation, up_to_seq=up_to_seq, status=MessageStatus.DELIVERED)

    def read(self, frame: Frame) -> None:
        conversation = self.conversation_get(frame.conversation_id)
        services.messages_mark_seen(conversation=conversation, up_to_seq=frame.seq, status=MessageStatus.READ)

    def resolve(self, frame: Frame) -> dict:
        conversation = services.conversation_resolve_by_customer(
            conversation=self.conversation_get(frame.conversation_id)
        )
        return {"type": "conversation.updated", "conversation": conversation_payload(conversation)}

    def csat(self, frame: Frame) -> dict:
        conversation = services.conversation_rate(
            conversation=self.conversation_get(frame.conversation_id), score=frame.score, comment=frame.comment
        )
        return {"type": "conversation.updated", "conversation": conversation_payload(conversation)}

    def typing_frame(self, frame: Frame) -> dict:
        conversation = self.conversation_get(frame.conversation_id)
        return {"type": "typing", "conversation_id": conversation.pk, "sender": "customer", "on": frame.on}
