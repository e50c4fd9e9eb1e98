"""The console's WebSocket: one per open console tab, joined to its workspace group.

It authenticates in ``connect`` (session user, membership) and reads the membership again
when the team changes (a removal or a role change announces ``team.updated`` to this group,
so a member removed mid-session stops hearing anything at the next event) and at least every
``MEMBERSHIP_RECHECK_SECONDS`` (the channel layer may drop an announcement). A read before
every event cost each live update of the agent monitor a trip to the database."""

import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Membership
from accounts.realtime import workspace_group
from chatassist.consumer_dispatch import ChatDatabaseDispatchMixin
from chatassist.db_threads import run_db

CLOSE_NOT_ALLOWED = 4403
MEMBERSHIP_RECHECK_SECONDS = 5.0


class WorkspaceConsumer(ChatDatabaseDispatchMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["workspace_slug"]
        self.membership = await self._membership(user, slug) if user and user.is_authenticated else None
        if self.membership is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.checked_at = time.monotonic()
        self.group = workspace_group(self.membership.workspace_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # A malformed frame gets an error frame; it must never crash the socket.
        try:
            content = await self.decode_json(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if content is None:
            await self.send_json({"type": "error", "code": "invalid_json", "detail": "Frames must be JSON text."})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json({"type": "error", "code": "unknown_frame", "detail": "This socket only answers ping."})
            return
        await self.send_json({"type": "pong"})

    async def workspace_event(self, message):
        event = message["event"]
        now = time.monotonic()
        if event.get("type") == "team.updated" or now - self.checked_at >= MEMBERSHIP_RECHECK_SECONDS:
            self.membership = await self._current_membership()
            self.checked_at = now
        membership = self.membership
        if membership is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        if event.get("type") == "conversation.activity" and not membership.can_view_conversations:
            # Viewers see that something happened, never what a customer wrote.
            event = {"type": event["type"], "conversation_id": event.get("conversation_id")}
        await self.send_json(event)

    # On the chat's database threads, which keep their connections: a check per event would
    # otherwise open a PostgreSQL connection per event (CONN_MAX_AGE=0), ~20 ms each.
    async def _membership(self, user, slug):
        return await run_db(_membership_find, user, slug)

    async def _current_membership(self) -> Membership | None:
        return await run_db(_membership_current, self.membership.pk)


def _membership_find(user, slug):
    return Membership.objects.select_related("workspace").filter(user=user, workspace__slug=slug).first()


def _membership_current(membership_id: int) -> Membership | None:
    """Re-read on every event: a member removed or made a viewer mid-session hears less at once."""
    return Membership.objects.filter(pk=membership_id).first()
