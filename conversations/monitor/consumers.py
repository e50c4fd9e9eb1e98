"""The agent monitor's conversation socket: ``/ws/w/<slug>/conversations/<id>/``.

It authenticates the session user in ``connect`` (a member whose role can view conversations,
of the workspace the conversation belongs to) and checks that again before every frame it
acts on, when the membership changes (a removal or a role change announces
``membership.changed`` to the member's own group, so a member removed or demoted mid-session
stops at once), and before forwarding an event when the last check is more than
``MEMBERSHIP_RECHECK_SECONDS`` old (the channel layer may drop an announcement). A check
before every event cost each of the AI's streamed updates a trip to the database.
It joins the conversation's group (what the customer sees: messages, the AI's streaming text,
typing, statuses) and its agents-only group (internal notes, triage), forwards both, and
hands the agent's frames to the same services as the page's forms.

Client frames: ``typing`` (``on``), ``reply`` (``client_id``, ``text``), ``note``
(``client_id?``, ``text``), ``ping``. Errors come back as ``error`` frames with a ``code``
and a ``detail``; the socket stays open."""

import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.consumers import MEMBERSHIP_RECHECK_SECONDS
from accounts.errors import DomainError
from accounts.models import Membership
from accounts.realtime import membership_group
from chatassist.consumer_dispatch import ChatDatabaseDispatchMixin
from chatassist.db_threads import run_db
from chatassist.fanout import group_send_to_others
from conversations import agent_actions
from conversations.chat.frames import MAX_FRAME_BYTES, unstorable_text_refuse
from conversations.chat.payloads import message_payload
from conversations.models import Conversation
from conversations.realtime import chat_message, conversation_agents_group, conversation_group

CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404


def _membership(user, workspace_slug: str) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace", "user").filter(user=user, workspace__slug=workspace_slug).first()
    )


def _conversation(membership: Membership, conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.filter(workspace=membership.workspace, pk=conversation_id)
        .select_related("workspace")
        .first()
    )


def _membership_by_id(membership_id: int) -> Membership | None:
    """The membership as it is now (its role may have changed), or None once removed."""
    return Membership.objects.filter(pk=membership_id).first()


def _error(code: str, detail: str, **fields) -> dict:
    return {"type": "error", "code": code, "detail": detail, **fields}


class ConversationMonitorConsumer(ChatDatabaseDispatchMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.groups_joined: list[str] = []
        kwargs = self.scope["url_route"]["kwargs"]
        membership = await run_db(_membership, self.scope.get("user"), kwargs["workspace_slug"])
        if membership is None or not membership.can_view_conversations:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        conversation = await run_db(_conversation, membership, kwargs["conversation_id"])
        if conversation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.membership, self.user, self.conversation = membership, membership.user, conversation
        self.checked_at = time.monotonic()
        groups = (
            conversation_group(conversation.pk),
            conversation_agents_group(conversation.pk),
            membership_group(membership.pk),
        )
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _membership_now(self) -> Membership | None:
        """The membership as it is now; the socket is closed when it no longer lets the user
        watch the conversation (removed, or now a viewer)."""
        membership = await run_db(_membership_by_id, self.membership.pk)
        self.checked_at = time.monotonic()
        if membership is None or not membership.can_view_conversations:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return None
        self.membership = membership
        return membership

    # --- the agent's frames --------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self.send_json(_error("frame_too_large", "Frames are JSON text of at most 64 KiB."))
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python goes
            await self.send_json(_error("invalid_json", "Frames must be JSON text."))
            return
        kind = content.get("type") if isinstance(content, dict) else None
        handler = getattr(self, f"frame_{kind}", None) if kind in ("ping", "typing", "reply", "note") else None
        if handler is None:
            await self.send_json(_error("unknown_frame", "This socket accepts ping, typing, reply and note."))
            return
        membership = await self._membership_now()
        if membership is None:
            return
        if kind != "ping" and not membership.can_reply:
            await self.send_json(_error("permission_denied", "Your role does not allow this."))
            return
        client_id = content.get("client_id")
        client_id = client_id if isinstance(client_id, str) and len(client_id) <= 64 else ""
        try:
            unstorable_text_refuse(content)
            await handler(content, client_id)
        except DomainError as error:
            await self.send_json(_error(error.code, error.message, client_id=client_id))

    async def frame_ping(self, content, client_id):
        await self.send_json({"type": "pong"})

    async def frame_typing(self, content, client_id):
        """The customer sees "<name> is typing"; other agents watching see it too."""
        frame = {
            "type": "typing",
            "conversation_id": self.conversation.pk,
            "sender": "agent",
            "name": self.user.display_name,
            "on": content.get("on") is True,
        }
        group = conversation_group(self.conversation.pk)
        await group_send_to_others(group, chat_message(frame, origin=self.channel_name), origin=self.channel_name)

    @staticmethod
    def _text(content) -> str:
        text = content.get("text")
        return text if isinstance(text, str) else ""

    async def frame_reply(self, content, client_id):
        message, _ = await run_db(
            agent_actions.agent_reply,
            conversation=self.conversation,
            user=self.user,
            text=self._text(content),
            client_id=client_id,
            origin=self.channel_name,  # this socket gets it below; the group's copy is skipped
        )
        payload = await run_db(message_payload, message)
        await self.send_json({"type": "message.created", "conversation_id": self.conversation.pk, "message": payload})

    async def frame_note(self, content, client_id):
        note = await run_db(
            agent_actions.note_add,
            conversation=self.conversation,
            user=self.user,
            text=self._text(content),
            client_id=client_id,
            origin=self.channel_name,  # this socket gets it below; the group's copy is skipped
        )
        payload = await run_db(agent_actions.note_payload, note)
        await self.send_json({"type": "note.created", "conversation_id": self.conversation.pk, "message": payload})

    # --- group events --------------------------------------------------------------------------

    async def chat_frame(self, event):
        if event.get("origin") == self.channel_name:
            return
        if time.monotonic() - self.checked_at >= MEMBERSHIP_RECHECK_SECONDS and await self._membership_now() is None:
            return
        await self.send_json(event["frame"])

    async def workspace_event(self, message):
        """The member's own group: their membership changed or ended."""
        await self._membership_now()
