"""Channel-layer sends that cost as little as the channel layer allows.

Two costs dominated a busy chat process (bench/chat.py, MEASURED.md):

- ``group_send`` is four Redis round trips per group. Most groups a turn sends to hold
  nobody but the socket that asked (one tab, no agent watching): ``group_send_to_others``
  stops when it is only the sender, and chatassist/channel_layer.py sends any number of
  groups in two round trips.
- Sends made after commit from a database thread used to block that thread on Redis
  (``async_to_sync``). When the call came from the event loop's process, they are now
  handed to the loop and the thread goes back to work at once. Sends that share an
  ``order_key`` (a conversation) still go out in the order they were made.

Everything here stays at-most-once: the database is the record and clients resume from it."""

import asyncio
import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

Send = tuple[str, dict, str]
"""(group, message, origin): ``origin`` is the channel that already has it, or ""."""

# Per event loop, per order key: the last send scheduled, which the next one waits for.
_tails: dict[asyncio.AbstractEventLoop, dict[object, asyncio.Task]] = {}


async def group_send_to_others(group: str, message: dict, *, origin: str = "") -> None:
    """``group_send``, unless the group is empty or holds only ``origin``."""
    await _send_all([(group, message, origin)])


async def group_has_others(group: str, *, origin: str = "") -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    members = await _members(layer, group)
    return members is None or any(member != origin for member in members)


async def _members(layer, group: str) -> list[str] | None:
    """The group's live channels, or None when the layer cannot say cheaply."""
    group_members = getattr(layer, "group_members", None)
    return None if group_members is None else await group_members(group)


def send_on_commit(sends: list[Send], *, order_key: object = None) -> None:
    """After the current transaction commits, send each message to its group (skipping
    groups where only its origin listens)."""
    transaction.on_commit(lambda: _dispatch(sends, order_key))


def _dispatch(sends: list[Send], order_key: object) -> None:
    loop = _event_loop_of_caller()
    if loop is None:
        # Celery, management commands, sync tests: no loop to hand to; send here.
        try:
            async_to_sync(_send_all)(sends)
        except Exception:
            logger.warning("Could not send to %s", [group for group, _, _ in sends], exc_info=True)
        return
    try:
        loop.call_soon_threadsafe(_schedule, sends, order_key)
    except RuntimeError:
        logger.warning("The event loop is closing; not sent to %s", [group for group, _, _ in sends])


def _event_loop_of_caller() -> asyncio.AbstractEventLoop | None:
    """The event loop that handed this thread its work (``sync_to_async``), if any."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed():
        return None
    try:
        asyncio.get_running_loop()
        return None  # called on the loop itself: async_to_sync would refuse, and so do we
    except RuntimeError:
        return loop


def _schedule(sends: list[Send], order_key: object) -> None:
    loop = asyncio.get_running_loop()
    tails = _tails.setdefault(loop, {})
    previous = tails.get(order_key) if order_key is not None else None
    task = loop.create_task(_send_after(previous, sends))
    if order_key is not None:
        tails[order_key] = task
        task.add_done_callback(lambda done: tails.get(order_key) is done and tails.pop(order_key, None))
    else:
        _untracked.add(task)
        task.add_done_callback(_untracked.discard)


# Tasks without an order key, kept referenced until done (asyncio holds tasks weakly).
_untracked: set[asyncio.Task] = set()


async def _send_after(previous: asyncio.Task | None, sends: list[Send]) -> None:
    if previous is not None and not previous.done():
        await asyncio.wait([previous])
    try:
        await _send_all(sends)
    except Exception:
        logger.warning("Could not send to %s", [group for group, _, _ in sends], exc_info=True)


async def _send_all(sends: list[Send]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        # chatassist/channel_layer.py: every group of the batch in two Redis round trips.
        await send_many(sends)
        return
    for group, message, origin in sends:
        if await group_has_others(group, origin=origin):
            await layer.group_send(group, message)
