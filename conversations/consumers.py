"""The widget's WebSocket (docs/protocol.md). It authenticates the workspace's public key and
the page's origin in ``connect``, the visitor in ``hello``, and hands every frame to the
chat session; it only joins the groups of conversations the visitor owns."""

import logging
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from chatassist.client_ip import client_ip_for_scope
from chatassist.consumer_dispatch import ChatDatabaseDispatchMixin
from chatassist.db_threads import run_db
from chatassist.fanout import group_send_to_others
from conversations.chat import identity, limits
from conversations.chat.frames import MAX_FRAME_BYTES, FrameError, error_frame, frame_parse
from conversations.chat.limits import RateLimited
from conversations.chat.replies import reply_start
from conversations.chat.session import ChatSession
from conversations.errors import ConversationError
from conversations.realtime import CATCH_UP_WINDOW, chat_message, conversation_group
from knowledge.query_vectors import query_vector_submit

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN_KEY = 4401
CLOSE_ORIGIN_NOT_ALLOWED = 4403
# After a refused hello: the client reconnects when retry_after has passed.
CLOSE_RATE_LIMITED = 4429


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


class WidgetConsumer(ChatDatabaseDispatchMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.session = None
        self.subscribed: set[int] = set()
        # Per conversation, the sequence numbers this socket already has (sent directly or
        # resumed): group echoes of them are dropped.
        self.seen: dict[int, set[int]] = {}
        self.open = False
        # Conversations a person has (escalated or assigned): the AI will not answer there, so
        # the question is not embedded in advance (turn_run does it if the AI answers after all).
        self.quiet: set[int] = set()
        key = (parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("key") or [""])[0]
        # Accept first, then close with a code: a refusal during the handshake reaches the
        # browser as a bare failure, a close code says why. Accepting before the database
        # also keeps a busy server's handshakes from timing out behind other work.
        await self.accept()
        workspace = await run_db(identity.workspace_for_public_key, key)
        if workspace is None:
            await self.close(code=CLOSE_UNKNOWN_KEY)
            return
        if not identity.origin_allowed(workspace, _header(self.scope, b"origin")):
            await self.close(code=CLOSE_ORIGIN_NOT_ALLOWED)
            return
        self.session = ChatSession(workspace=workspace, client_ip=client_ip_for_scope(self.scope))
        self.open = True

    async def disconnect(self, code):
        self.open = False
        for conversation_id in self.subscribed:
            await self.channel_layer.group_discard(conversation_group(conversation_id), self.channel_name)

    async def send_frame(self, frame: dict) -> bool:
        """The sink replies stream into; False once the socket is gone."""
        if not self.open:
            return False
        await self.send_json(frame)
        return True

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.session is None:
            return
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            error = FrameError("Frames are JSON text of at most 64 KiB.", code="frame_too_large")
            await self.send_json(error_frame(error))
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python goes
            await self.send_json(error_frame(FrameError("Frames must be JSON text.", code="invalid_json")))
            return
        client_id = content.get("client_id", "") if isinstance(content, dict) else ""
        client_id = client_id if isinstance(client_id, str) and len(client_id) <= 64 else ""
        try:
            frame = frame_parse(content)
            if frame.type != "hello" and not self.session.ready:
                raise FrameError("Send hello first.", code="hello_required")
            if frame.type not in ("hello", "message.send"):
                await limits.frame_check(workspace_id=self.session.workspace.pk, visitor_key=self.session.visitor_key)
            await getattr(self, "frame_" + frame.type.replace(".", "_"))(frame)
        except RateLimited as error:
            await self.send_json(error_frame(error, client_id=client_id, retry_after=error.retry_after))
        except ConversationError as error:
            await self.send_json(error_frame(error, client_id=client_id))

    async def _subscribe(self, conversation_id: int) -> None:
        if conversation_id not in self.subscribed:
            await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
            self.subscribed.add(conversation_id)
            self.seen.setdefault(conversation_id, set())

    async def _send_message_frame(self, frame: dict) -> None:
        conversation_id, seq = frame["conversation_id"], frame["message"]["seq"]
        seen = self.seen.setdefault(conversation_id, set())
        if seq in seen:
            return
        seen.add(seq)
        await self.send_json(frame)

    # --- client frames -----------------------------------------------------------------------

    async def frame_hello(self, frame):
        try:
            ready = await run_db(self.session.hello, frame)
        except RateLimited as error:
            await self.send_json(error_frame(error, retry_after=error.retry_after))
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        await self.send_json(ready)

    async def frame_ping(self, frame):
        await self.send_json({"type": "pong"})

    async def frame_message_send(self, frame):
        # Embedding the question takes longer than storing it: both at once.
        in_advance = frame.text and frame.conversation_id not in self.quiet
        query_vector = query_vector_submit(frame.text) if in_advance else None
        accepted = await run_db(self.session.message_accept, frame)
        conversation, message = accepted.conversation, accepted.message
        if accepted.created and accepted.ai_replies:
            self.quiet.discard(conversation.pk)
        elif accepted.created:
            self.quiet.add(conversation.pk)
        if query_vector is not None and not accepted.ai_replies:
            # A person has the conversation, or a re-send: if the vector is still queued behind
            # others, it is never computed (a busy process saves 10-20 ms of CPU).
            query_vector.cancel()
        await self._subscribe(conversation.pk)
        # Always answered, even when this socket has it: a re-send needs its acknowledgement.
        self.seen.setdefault(conversation.pk, set()).add(message.seq)
        try:
            await self.send_json(accepted.frame)
            for frame in accepted.decision.frames if accepted.decision is not None else ():
                if frame["type"] == "message.created":
                    await self._send_message_frame(frame)
                else:
                    await self.send_json(frame)
        finally:
            # The message is stored: it is answered even if the socket just went away.
            if accepted.ai_replies:
                reply_start(
                    conversation=conversation,
                    message=message,
                    sink=self._reply_sink,
                    origin=self.channel_name,
                    query_vector=query_vector,
                    decision=accepted.decision,
                )

    async def _reply_sink(self, frame: dict) -> bool:
        if frame["type"] == "completed":
            self.seen.setdefault(frame["conversation_id"], set()).add(frame["message"]["seq"])
        return await self.send_frame(frame)

    async def frame_resume(self, frame):
        conversation = await run_db(self.session.conversation_get, frame.conversation_id)
        # Subscribe before reading: a message stored in between arrives twice, never zero times.
        await self._subscribe(conversation.pk)
        if frame.after_seq:
            self.seen[conversation.pk].add(frame.after_seq)  # the client said it has it
        for out in await run_db(self.session.resume_frames, conversation, frame.after_seq):
            if out["type"] == "message.created":
                await self._send_message_frame(out)
            else:
                await self.send_json(out)
        last_seq = max(self.seen[conversation.pk], default=0)
        if last_seq:
            await run_db(self.session.delivered, conversation.pk, last_seq)

    async def frame_typing(self, frame):
        typing = await run_db(self.session.typing_frame, frame)
        await group_send_to_others(
            conversation_group(typing["conversation_id"]),
            chat_message(typing, origin=self.channel_name),
            origin=self.channel_name,
        )

    async def frame_read(self, frame):
        await run_db(self.session.read, frame)

    async def frame_resolve(self, frame):
        await self.send_json(await run_db(self.session.resolve, frame))

    async def frame_csat(self, frame):
        await self.send_json(await run_db(self.session.csat, frame))

    # --- channel layer outages (chatassist/channel_layer.py) ----------------------------------

    async def channel_layer_unavailable(self, event):
        """Redis is down: what others wrote meanwhile (an agent, another tab's reply) comes
        from the database, every few seconds, until it is back."""
        await self._catch_up(with_state=False)

    async def channel_layer_recovered(self, event):
        await self._catch_up(with_state=True)

    async def _catch_up(self, *, with_state: bool) -> None:
        for conversation_id in list(self.subscribed):
            seen = self.seen.get(conversation_id)
            if not seen:
                continue
            # The client has everything up to the first it got here (or resumed after).
            after_seq = max(min(seen), max(seen) - CATCH_UP_WINDOW)
            for out in await run_db(self._catch_up_frames, conversation_id, after_seq):
                if out["type"] == "message.created":
                    await self._send_message_frame(out)
                elif with_state:
                    await self.send_json(out)

    def _catch_up_frames(self, conversation_id: int, after_seq: int) -> list[dict]:
        return self.session.resume_frames(self.session.conversation_get(conversation_id), after_seq)

    # --- group events ------------------------------------------------------------------------

    async def chat_frame(self, event):
        if event.get("origin") == self.channel_name:
            return
        frame = event["frame"]
        if frame.get("type") == "typing" and frame.get("sender") == "customer":
            return  # the visitor's own typing, from another tab
        if frame.get("type") == "message.created":
            await self._send_message_frame(frame)
            if frame["message"]["sender"] in ("ai", "agent"):
                await run_db(self.session.delivered, frame["conversation_id"], frame["message"]["seq"])
            return
        await self.send_json(frame)
