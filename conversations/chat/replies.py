"""Runs the AI's turn for a stored customer message and streams it out.

Tokens go straight to the transport that asked, no Redis: the first at once, then what
arrived in each ``CHAT_DELTA_INTERVAL_MS`` (50 ms) as one frame. A socket send costs a daphne
process more than parsing the token did; at 50 tokens/s per stream, one frame per token made
the frames themselves most of the server's work (bench/chat.py), and a reader cannot see the
difference between 50 and 20 updates a second. Other
watchers — the visitor's other tabs, the agent monitor, sockets on other server processes —
get the text so far through the conversation's channel-layer group, a few times a second,
and then the stored message with its ``stream_id``; everyone ends with the same message.

A turn runs detached from its transport: when the socket drops mid-reply the reply still
finishes and is stored, and the client receives it when it resumes."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing

from channels.layers import get_channel_layer
from django.conf import settings

from assistant.types import Delta
from chatassist.db_threads import DATABASE_UNREACHABLE, run_db
from chatassist.fanout import group_has_others
from conversations import turn_hooks
from conversations.models import Conversation, Message
from conversations.realtime import chat_message, conversation_group
from conversations.services import messages_mark_seen
from conversations.turns import ReplyStored, stream_id_for, turn_run

logger = logging.getLogger(__name__)

Sink = Callable[[dict], Awaitable[bool]]
"""Sends a frame to the transport that asked; returns False once that transport is gone."""

# Detached turns, kept referenced until they finish (asyncio holds tasks only weakly).
_running: set[asyncio.Task] = set()


def reply_start(
    *,
    conversation: Conversation,
    message: Message,
    sink: Sink,
    origin: str = "",
    config=None,
    query_vector=None,
    decision: "turn_hooks.ReplyDecision | None" = None,
):
    """``query_vector``: the question's vector if the caller already started it
    (knowledge/query_vectors.py), so that it is computed while the message is stored."""
    task = asyncio.create_task(
        ReplyRun(
            conversation=conversation,
            message=message,
            sink=sink,
            origin=origin,
            config=config,
            query_vector=query_vector,
            decision=decision,
        ).run()
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


# How long "nobody else watches this conversation" is believed before Redis is asked again.
WATCHERS_RECHECK_SECONDS = 1.0


class ReplyRun:
    def __init__(
        self,
        *,
        conversation: Conversation,
        message: Message,
        sink: Sink,
        origin: str = "",
        config=None,
        query_vector=None,
        decision: "turn_hooks.ReplyDecision | None" = None,
    ):
        self.decision = decision
        self.conversation = conversation
        self.message = message
        self.sink: Sink | None = sink
        self.origin = origin
        self.config = config
        self.query_vector = query_vector
        self.layer = get_channel_layer()
        self.group = conversation_group(conversation.pk)
        self.interval = settings.CHAT_WATCHER_INTERVAL_MS / 1000
        self.delta_interval = settings.CHAT_DELTA_INTERVAL_MS / 1000
        # Text for the socket that asked, not sent yet: (stream_id, offset, text).
        self._pending: tuple[str, int, str] | None = None
        self._pending_sent_at = -1.0
        self._pending_timer: asyncio.TimerHandle | None = None
        # The timer's send, referenced until it runs (asyncio holds tasks weakly).
        self._pending_flush: asyncio.Task | None = None
        self._watched = False
        self._watched_checked_at = -WATCHERS_RECHECK_SECONDS
        self._announced: asyncio.Task | None = None

    async def _direct(self, frame: dict) -> None:
        if self.sink is None:
            return
        try:
            alive = await self.sink(frame)
        except Exception:
            alive = False
        if not alive:
            self.sink = None

    async def _delta_direct(self, *, stream_id: str, offset: int, text: str) -> None:
        """``text`` at ``offset`` to the socket that asked: now, if the last frame went out
        ``CHAT_DELTA_INTERVAL_MS`` ago, else with what follows, at most that much later."""
        if self.sink is None:
            return
        if self._pending is not None:
            pending_stream, pending_offset, pending_text = self._pending
            self._pending = (pending_stream, pending_offset, pending_text + text)
        else:
            self._pending = (stream_id, offset, text)
        wait = self._pending_sent_at + self.delta_interval - time.monotonic()
        if wait <= 0:
            await self._pending_send()
        elif self._pending_timer is None:
            self._pending_timer = asyncio.get_running_loop().call_later(wait, self._pending_send_later)

    def _pending_send_later(self) -> None:
        self._pending_timer = None
        self._pending_flush = asyncio.create_task(self._pending_send())

    async def _pending_send(self) -> None:
        """Sends the text waiting, if any. Takes it before the first ``await``: a timer's send
        and the stream's never send the same text twice or out of order."""
        if self._pending_timer is not None:
            self._pending_timer.cancel()
            self._pending_timer = None
        if self._pending is None:
            return
        (stream_id, offset, text), self._pending = self._pending, None
        self._pending_sent_at = time.monotonic()
        await self._direct(
            {
                "type": "delta",
                "conversation_id": self.conversation.pk,
                "stream_id": stream_id,
                "offset": offset,
                "text": text,
            }
        )

    async def _watchers(self, frame: dict, *, recheck: bool = False) -> None:
        """``frame`` to the conversation's other watchers, if it has any. Who watches is asked
        of Redis at most once a second (or now, with ``recheck``): most replies have no
        watcher but the asker, and a send to the group would cost four round trips."""
        if self.layer is None:
            return
        try:
            now = time.monotonic()
            if recheck or now - self._watched_checked_at >= WATCHERS_RECHECK_SECONDS:
                self._watched = await group_has_others(self.group, origin=self.origin)
                self._watched_checked_at = now
            if self._watched:
                await self.layer.group_send(self.group, chat_message(frame, origin=self.origin))
        except Exception:
            logger.warning("Could not tell watchers of conversation %s", self.conversation.pk, exc_info=True)

    async def _typing(self, on: bool) -> None:
        frame = {"type": "typing", "conversation_id": self.conversation.pk, "sender": "ai", "on": on}
        await self._direct(frame)
        if on:
            # The turn does not wait for Redis before it starts.
            self._announced = asyncio.create_task(self._watchers(frame, recheck=True))
        else:
            if self._announced is not None:
                await self._announced
            await self._watchers(frame, recheck=True)

    async def run(self) -> list[Message]:
        stored: list[Message] = []
        conversation_id = self.conversation.pk
        index, text, flushed_at = 0, "", 0.0
        stream_id = stream_id_for(customer_seq=self.message.seq, index=index)
        await self._typing(True)
        try:
            async with aclosing(
                turn_run(
                    conversation=self.conversation,
                    message=self.message,
                    config=self.config,
                    origin=self.origin,
                    query_vector=self.query_vector,
                )
            ) as events:
                async for event in events:
                    if isinstance(event, Delta):
                        offset, text = len(text), text + event.text
                        await self._delta_direct(stream_id=stream_id, offset=offset, text=event.text)
                        now = time.monotonic()
                        if now - flushed_at >= self.interval:
                            await self._watchers(
                                {
                                    "type": "delta",
                                    "conversation_id": conversation_id,
                                    "stream_id": stream_id,
                                    "offset": 0,
                                    "text": text,
                                }
                            )
                            flushed_at = now
                    elif isinstance(event, ReplyStored):
                        stored.append(event.message)
                        await self._pending_send()
                        await self._direct(
                            {
                                "type": "completed",
                                "conversation_id": conversation_id,
                                "stream_id": event.stream_id,
                                "message": event.payload,
                            }
                        )
                        if self.sink is not None:
                            await self._mark_delivered(event.message.seq)
                        index += 1
                        stream_id = stream_id_for(customer_seq=self.message.seq, index=index)
                        text = ""
        except Exception:
            # The customer's message is stored; every provider failing already ends in the
            # offline answer, so reaching here means storage itself failed.
            logger.exception("The reply to message %s could not be completed", self.message.pk)
            await self._direct(
                {
                    "type": "error",
                    "code": "reply_failed",
                    "detail": "Sorry, the assistant could not answer just now. Your message is saved; "
                    "please try again in a moment.",
                }
            )
        finally:
            await self._pending_send()
            await self._typing(False)
        if stored and not stored[-1].partial:
            await run_db(
                turn_hooks.after_reply,
                conversation=self.conversation,
                message=self.message,
                reply=stored[-1],
                offer=self.decision.offer if self.decision is not None else None,
            )
        return stored

    async def _mark_delivered(self, seq: int) -> None:
        """A receipt, not the reply: the database failing here must not turn a delivered
        reply into ``reply_failed``."""
        try:
            await run_db(_mark_delivered, self.conversation, seq)
        except DATABASE_UNREACHABLE:
            logger.warning("Could not mark the reply in conversation %s delivered", self.conversation.pk)


def _mark_delivered(conversation: Conversation, seq: int) -> None:
    messages_mark_seen(conversation=conversation, up_to_seq=seq, status="delivered")
