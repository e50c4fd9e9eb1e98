"""The console's WebSocket: one per open console tab, joined to its workspace group.

It authenticates in ``connect`` (session user, membership) and checks the membership again
before forwarding each event, so a member removed mid-session stops hearing anything."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Membership
from accounts.realtime import workspace_group

CLOSE_NOT_ALLOWED = 4403


class WorkspaceConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["workspace_slug"]
        self.membership = await self._membership(user, slug) if user and user.is_authenticated else None
        if self.membership is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
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
        if not await self._still_member():
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.send_json(message["event"])

    @database_sync_to_async
    def _membership(self, user, slug):
        return Membership.objects.select_related("workspace").filter(user=user, workspace__slug=slug).first()

    @database_sync_to_async
    def _still_member(self) -> bool:
        return Membership.objects.filter(pk=self.membership.pk).exists()
