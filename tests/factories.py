"""Small builders for test data; each returns a saved object."""

import itertools

from django.db.models import F

from accounts import services
from accounts.models import ApiKey, Invitation, Membership, Role, User, Workspace
from conversations.models import Attachment, Channel, Contact, Conversation, Event, EventType, Message, Sender

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(*, email: str | None = None, name: str = "", password: str = PASSWORD) -> User:
    number = next(_counter)
    return User.objects.create_user(
        email=email or f"person{number}@example.com", password=password, name=name or f"Person {number}"
    )


def make_workspace(*, name: str | None = None, seat_limit: int = 10, **fields) -> Workspace:
    number = next(_counter)
    return Workspace.objects.create(
        name=name or f"Company {number}", slug=f"company-{number}", seat_limit=seat_limit, **fields
    )


def make_member(*, workspace: Workspace, role: str = Role.AGENT, user: User | None = None) -> Membership:
    return Membership.objects.create(workspace=workspace, user=user or make_user(), role=role)


def make_api_key(*, workspace: Workspace, role: str = Role.ADMIN, name: str = "Backend") -> tuple[ApiKey, str]:
    return services.api_key_create(workspace=workspace, created_by=None, name=name, role=role)


def make_invitation(*, workspace: Workspace, email: str | None = None, role: str = Role.AGENT) -> Invitation:
    return services.invitation_create(
        workspace=workspace, invited_by=None, email=email or f"invitee{next(_counter)}@example.com", role=role
    )


def make_contact(*, workspace: Workspace, name: str = "", email: str = "", **fields) -> Contact:
    number = next(_counter)
    return Contact.objects.create(
        workspace=workspace, name=name or f"Customer {number}", email=email or f"customer{number}@example.com", **fields
    )


def make_conversation(
    *, workspace: Workspace, contact: Contact | None = None, channel: str = Channel.WIDGET, **fields
) -> Conversation:
    """A conversation with its ``conversation_started`` event; ``fields`` (status, tags, topic,
    started_at, …) are set afterwards, as if time had passed."""
    conversation = Conversation.objects.create(
        workspace=workspace, contact=contact or make_contact(workspace=workspace), channel=channel
    )
    Event.objects.create(workspace=workspace, conversation=conversation, type=EventType.CONVERSATION_STARTED)
    if fields:
        Conversation.objects.filter(pk=conversation.pk).update(**fields)
        conversation.refresh_from_db()
    return conversation


def make_message(
    *, conversation: Conversation, text: str = "Hello", sender: str = Sender.CUSTOMER, created_at=None, **fields
) -> Message:
    """The conversation's next message, written directly (no events, no broadcasts); AI
    accounting such as ``provider``, ``model`` or ``citations`` goes in ``fields``."""
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1)
    seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
    message = Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, seq=seq, sender=sender, text=text, **fields
    )
    created_at = created_at or message.created_at
    Message.objects.filter(pk=message.pk).update(created_at=created_at)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=created_at)
    message.created_at = created_at
    conversation.last_seq, conversation.last_message_at = seq, created_at
    return message


def make_attachment(*, message: Message, file_name: str = "invoice.pdf", content: bytes = b"%PDF-1.4") -> Attachment:
    return Attachment.objects.create(
        workspace_id=message.workspace_id,
        contact_id=message.conversation.contact_id,
        message=message,
        file_name=file_name,
        content_type="application/pdf",
        size=len(content),
        content=content,
    )
