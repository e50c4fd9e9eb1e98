"""Server-sent events for the chat's HTTP form (docs/protocol.md): the reply to
``POST /api/chat`` streamed as it is written, and a conversation's live events
(``GET /api/chat/conversations/<id>/events``), resumable with ``Last-Event-ID``. The frames are
the socket's; when Redis is unreachable the stream reads what was stored from the database."""

import asyncio
import json
from collections.abc import AsyncIterator

from channels.layers import get_channel_layer
from django.http import StreamingHttpResponse

from chatassist.db_threads import run_db
from conversations.chat.replies import reply_start
from conversations.chat.session import ChatSession
from conversations.realtime import CATCH_UP_WINDOW, conversation_group

KEEPALIVE_SECONDS = 15
# An event stream ends after this long; the client reconnects with Last-Event-ID.
EVENT_STREAM_SECONDS = 300


def sse_encode(frame: dict) -> str:
    event_id = ""
    if frame.get("type") in ("message.created", "completed"):
        event_id = f"id: {frame['message']['seq']}\n"
    return f"{event_id}event: {frame['type']}\ndata: {json.dumps(frame, separators=(',', ':'))}\n\n"


def event_stream_response(frames: AsyncIterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(frames, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through as they come
    return response


async def send_stream(accepted, created: dict, replies_expected: bool) -> AsyncIterator[str]:
    yield sse_encode(created)
    for frame in accepted.decision.frames if accepted.decision is not None else ():
        yield sse_encode(frame)  # a hand-off: the holding message and the new status
    if not replies_expected:
        return
    queue: asyncio.Queue = asyncio.Queue()
    listening = True

    async def sink(frame: dict) -> bool:
        if listening:
            queue.put_nowait(frame)
        return listening

    task = reply_start(
        conversation=accepted.conversation, message=accepted.message, sink=sink, decision=accepted.decision
    )
    try:
        while not (task.done() and queue.empty()):
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield sse_encode(getter.result())
            else:
                getter.cancel()
    finally:
        # The client went away: the reply still finishes and is stored (reply_start runs detached).
        listening = False


async def conversation_stream(session: ChatSession, conversation, after_seq: int) -> AsyncIterator[str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = conversation_group(conversation.pk)
    # Subscribe before reading: a message stored in between arrives twice, never zero times.
    await layer.group_add(group, channel)
    seen: set[int] = set()
    try:
        yield "retry: 2000\n\n"
        for frame in await run_db(session.resume_frames, conversation, after_seq):
            if frame["type"] == "message.created":
                seen.add(frame["message"]["seq"])
            yield sse_encode(frame)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + EVENT_STREAM_SECONDS
        while loop.time() < deadline:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if message.get("type", "").startswith("channel_layer."):
                # Redis is down, or back (chatassist/channel_layer.py): what was stored
                # meanwhile comes from the database.
                after = max(max(seen, default=after_seq) - CATCH_UP_WINDOW, after_seq)
                for payload in await run_db(session.messages_after, conversation, after):
                    if payload["seq"] not in seen:
                        seen.add(payload["seq"])
                        created = {"type": "message.created", "conversation_id": conversation.pk, "message": payload}
                        yield sse_encode(created)
                continue
            frame = message.get("frame") or {}
            if frame.get("type") == "typing" and frame.get("sender") == "customer":
                continue
            if frame.get("type") == "message.created":
                if frame["message"]["seq"] in seen:
                    continue
                seen.add(frame["message"]["seq"])
            yield sse_encode(frame)
    finally:
        await layer.group_discard(group, channel)
