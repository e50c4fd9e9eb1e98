"""What agents do to a conversation from the agent monitor: take it over, reply, write
internal notes, hand it back to the AI, resolve or close it.

Writes like those in services.py: keyword-only, atomic, the change and its event in one
transaction, broadcast after commit. Each takes the conversation's row lock first, then (through
the escalations app's services) the escalation's: one lock order, no deadlocks. Of two agents
taking over at once, exactly one wins; the other gets ``ConversationTaken``.

Ownership: once an agent has a conversation (its ``assignee``), only they speak to the customer
in it; anyone on the team may add notes, resolve or close it, and the assignee or an admin may
hand it back to the AI. Internal notes never reach the customer (see ``note_add``)."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from conversations import services
from conversations.chat.payloads import conversation_payload, message_payload
from conversations.errors import ConversationError
from conversations.models import Conversation, ConversationStatus, EventType, Message, ResolvedBy, Sender
from conversations.realtime import agents_broadcast_on_commit, conversation_broadcast_on_commit
from conversations.rows import message_insert
from conversations.services import CLIENT_ID, _conversation_lock, event_append, message_text_clean
from escalations import selectors as escalation_selectors
from escalations import services as escalation_services
from escalations.models import EscalationStatus

HANDED_BACK_TEXT = "You're chatting with the AI assistant again"


class ConversationTaken(ConversationError):
    """Another agent has the conversation."""

    code = "conversation_taken"
    status = 409


class ConversationNotOpen(ConversationError):
    code = "conversation_not_open"
    status = 409


def joined_text(user: User) -> str:
    return f"{user.display_name} joined the conversation"


def _membership(conversation: Conversation, user: User) -> Membership:
    """The user's membership of the conversation's workspace, if their role may reply
    (agents and admins); views check first, this keeps every caller honest."""
    membership = Membership.objects.filter(workspace_id=conversation.workspace_id, user=user).first()
    if membership is None or not membership.can_reply:
        raise ConversationError(
            "Only the workspace's agents and admins can act on conversations.", code="permission_denied", status=403
        )
    return membership


def _client_id_check(client_id: str) -> None:
    if client_id and not CLIENT_ID.fullmatch(client_id):
        raise ConversationError("The client id must be 1–64 letters, digits or _ . : -.", code="invalid_client_id")


def _refuse_closed(conversation: Conversation) -> None:
    if conversation.status == ConversationStatus.CLOSED:
        raise ConversationError("This conversation is closed.", code="conversation_closed", status=409)


def _refuse_someone_else(conversation: Conversation, user: User) -> None:
    if conversation.assignee_id is not None and conversation.assignee_id != user.pk:
        raise ConversationTaken(f"{conversation.assignee.display_name} has this conversation.")


def _system_message(locked: Conversation, text: str, kind: str, user: User) -> Message:
    """A notice to the customer (services.message_store_system, which numbers it under the
    lock this transaction already holds); ``locked`` is brought up to date with it."""
    message = services.message_store_system(conversation=locked, text=text, payload={"kind": kind, "user_id": user.pk})
    locked.last_seq, locked.last_message_at = message.seq, message.created_at
    return message


def _updated(conversation: Conversation) -> None:
    frame = {"type": "conversation.updated", "conversation": conversation_payload(conversation)}
    conversation_broadcast_on_commit(conversation=conversation, frame=frame)


def _assign(locked: Conversation, user: User) -> None:
    """``user`` takes the locked conversation: a queued escalation is claimed through the
    escalations app, and the customer is told who joined."""
    escalation = escalation_selectors.escalation_open_of(conversation=locked)
    if escalation is not None and escalation.status == EscalationStatus.QUEUED:
        escalation_services.escalation_claim(escalation=escalation, user=user)
    locked.assignee = user
    locked.save(update_fields=["assignee"])
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.CONVERSATION_ASSIGNED,
        payload={"user_id": user.pk, "escalation_id": escalation.pk if escalation is not None else None},
    )
    _system_message(locked, joined_text(user), "agent_joined", user)
    _updated(locked)


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, user: User) -> Conversation:
    """``user`` (an agent or admin) takes the conversation from the AI or from the queue. The
    AI stops answering (conversations/turn_hooks.py); the customer sees "<name> joined the
    conversation" and state "human". Taking one's own conversation again changes nothing.
    Raises ``ConversationTaken`` when another agent has it, ``ConversationNotOpen`` when it is
    resolved or closed."""
    _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if locked.assignee_id == user.pk:
        return locked
    if locked.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationNotOpen(f"This conversation is {locked.get_status_display().lower()}.")
    _refuse_someone_else(locked, user)
    _assign(locked, user)
    return locked


@transaction.atomic
def agent_reply(
    *, conversation: Conversation, user: User, text: str, client_id: str = "", origin: str = ""
) -> tuple[Message, bool]:
    """Store an agent's reply to the customer and return it with whether it is new; the same
    ``client_id`` again returns the stored reply. The first reply on an unassigned
    conversation takes it (as ``conversation_take_over``); a resolved conversation opens
    again; a closed one, or one another agent has, refuses. ``origin`` is the channel of the
    socket that sent it and answers it itself: the broadcast skips it."""
    text = message_text_clean(text)
    _client_id_check(client_id)
    _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if client_id:
        existing = Message.objects.filter(conversation=locked, client_id=client_id).select_related("author").first()
        if existing is not None:
            if existing.internal or existing.author_id != user.pk:
                raise ConversationError("This client id is already used.", code="invalid_client_id")
            return existing, False
    _refuse_closed(locked)
    _refuse_someone_else(locked, user)
    if locked.status == ConversationStatus.RESOLVED:
        locked.status, locked.resolved_at, locked.resolved_by = ConversationStatus.OPEN, None, ""
        locked.save(update_fields=["status", "resolved_at", "resolved_by"])
        event_append(
            workspace=locked.workspace,
            conversation=locked,
            type=EventType.CONVERSATION_REOPENED,
            payload={"by": "agent", "user_id": user.pk},
        )
    if locked.assignee_id is None:
        _assign(locked, user)
    # Numbered, stored and its message_sent event appended by one statement; then broadcast
    # after commit to everyone watching, the customer included.
    message = message_insert(
        locked,
        now=timezone.now(),
        event_type=EventType.MESSAGE_SENT,
        event_extra={"user_id": user.pk},
        sender=Sender.AGENT,
        author_id=user.pk,
        text=text,
        client_id=client_id,
    )
    Message.author.field.set_cached_value(message, user)
    services.message_created_broadcast(message, origin=origin)
    return message, True


def note_payload(message: Message) -> dict:
    """A note as the agent monitor receives it: a message marked ``internal``."""
    return {**message_payload(message), "internal": True}


@transaction.atomic
def note_add(*, conversation: Conversation, user: User, text: str, client_id: str = "", origin: str = "") -> Message:
    """An internal note for the team, on a conversation in any state. It never reaches the
    customer (their group, resume, history, SSE: conversations/chat/session.py) nor a model,
    and takes no sequence number of its own: it sorts after the conversation's last message.
    Its event says who wrote it, never what. ``origin``: as for ``agent_reply``; a note has
    no sequence number for the socket to drop a second copy by, so it must not get one."""
    text = message_text_clean(text)
    _client_id_check(client_id)
    _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if client_id:
        existing = Message.objects.filter(conversation=locked, client_id=client_id).select_related("author").first()
        if existing is not None:
            if not existing.internal or existing.author_id != user.pk:
                raise ConversationError("This client id is already used.", code="invalid_client_id")
            return existing
    note = Message.objects.create(
        workspace_id=locked.workspace_id,
        conversation=locked,
        seq=locked.last_seq,
        sender=Sender.AGENT,
        author=user,
        text=text,
        client_id=client_id,
        internal=True,
    )
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.NOTE_ADDED,
        payload={"message_id": note.pk, "user_id": user.pk},
    )
    agents_broadcast_on_commit(
        conversation=locked,
        frame={"type": "note.created", "conversation_id": locked.pk, "message": note_payload(note)},
        activity_frame={"type": "note.created", "conversation_id": locked.pk},
        origin=origin,
    )
    return note


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, user: User) -> Conversation:
    """Back to the AI: the assignee is cleared, the conversation is open, an open escalation
    ends as "handed back" (escalations' services), and the customer reads "You're chatting with
    the AI assistant again". The assignee or an admin may do it; nothing happens to a
    conversation the AI already has."""
    membership = _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if locked.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        raise ConversationNotOpen(f"This conversation is {locked.get_status_display().lower()}.")
    if not membership.is_admin:
        _refuse_someone_else(locked, user)
    escalation = escalation_selectors.escalation_open_of(conversation=locked)
    if locked.assignee_id is None and escalation is None and locked.status == ConversationStatus.OPEN:
        return locked
    _system_message(locked, HANDED_BACK_TEXT, "handed_back", user)
    if escalation is not None:
        escalation_services.escalation_hand_back(escalation=escalation, user=user)
        locked = _conversation_lock(conversation)  # as the escalations app left it
    else:
        locked.status, locked.assignee = ConversationStatus.OPEN, None
        locked.save(update_fields=["status", "assignee"])
        event_append(
            workspace=locked.workspace,
            conversation=locked,
            type=EventType.CONVERSATION_HANDED_BACK,
            payload={"user_id": user.pk, "escalation_id": None},
        )
    _updated(locked)
    return locked


@transaction.atomic
def conversation_resolve_by_agent(*, conversation: Conversation, user: User) -> Conversation:
    """An agent marks the conversation resolved (by an agent); an open escalation is resolved
    with it. Already resolved or closed: nothing changes."""
    _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if locked.status in (ConversationStatus.RESOLVED, ConversationStatus.CLOSED):
        return locked
    escalation = escalation_selectors.escalation_open_of(conversation=locked)
    if escalation is not None:
        escalation_services.escalation_resolve(escalation=escalation, user=user)
        locked = _conversation_lock(conversation)
    else:
        locked.status, locked.resolved_at, locked.resolved_by = (
            ConversationStatus.RESOLVED,
            timezone.now(),
            ResolvedBy.AGENT,
        )
        locked.save(update_fields=["status", "resolved_at", "resolved_by"])
        event_append(
            workspace=locked.workspace,
            conversation=locked,
            type=EventType.CONVERSATION_RESOLVED,
            payload={"resolved_by": ResolvedBy.AGENT, "by": "agent", "user_id": user.pk},
        )
    _updated(locked)
    return locked


@transaction.atomic
def conversation_close(*, conversation: Conversation, user: User) -> Conversation:
    """Closed: the customer can rate it but not write in it again (a new message starts a new
    conversation). An open escalation is resolved first."""
    _membership(conversation, user)
    locked = _conversation_lock(conversation)
    if locked.status == ConversationStatus.CLOSED:
        return locked
    escalation = escalation_selectors.escalation_open_of(conversation=locked)
    if escalation is not None:
        escalation_services.escalation_resolve(escalation=escalation, user=user)
        locked = _conversation_lock(conversation)
    locked.status = ConversationStatus.CLOSED
    locked.save(update_fields=["status"])
    event_append(
        workspace=locked.workspace,
        conversation=locked,
        type=EventType.CONVERSATION_CLOSED,
        payload={"by": "agent", "user_id": user.pk},
    )
    _updated(locked)
    return locked
