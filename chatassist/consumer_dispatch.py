"""Event dispatch for the sockets whose database work all goes through chatassist/db_threads.

Channels 4 runs ``close_old_connections`` on its one shared sync thread before every event a
consumer handles: a hop to that thread and back for each frame from the browser and each
message from the channel layer, and, under load, a queue, since every socket of the process
waits for the same thread (bench/monitor.py saw it in every customer message's path). These
consumers never touch connections on that thread: their queries run on the chat database
threads, which look after their own connections, and ``database_sync_to_async`` (the
session and auth middleware at connect) already closes old connections around each call.

An outage is not a crash. The channel layer's notices of a Redis outage
(``channel_layer.unavailable`` / ``.recovered``, chatassist/channel_layer.py) go to the
consumers that handle them and are ignored by the others. An event that fails because
PostgreSQL or Redis cannot be reached closes the socket with 4503 ("try again later"), which
clients reconnect from, instead of channels' 1011 and a traceback."""

import logging

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer

from chatassist.channel_layer import REDIS_UNREACHABLE
from chatassist.db_threads import DATABASE_UNREACHABLE

logger = logging.getLogger(__name__)

# 4000-4999 is for applications (daphne refuses to send 1013, "try again later"): 4503 as in
# HTTP 503, which the widget reconnects from with its back-off.
CLOSE_TRY_AGAIN_LATER = 4503
UNREACHABLE = DATABASE_UNREACHABLE + REDIS_UNREACHABLE


class ChatDatabaseDispatchMixin:
    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            if message["type"].startswith("channel_layer."):
                return
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except UNREACHABLE as error:
            logger.warning(
                "%s: %s (%s); the socket is closed with %s",
                type(self).__name__,
                message["type"],
                error,
                CLOSE_TRY_AGAIN_LATER,
            )
            if message["type"] == "websocket.disconnect":
                raise StopConsumer() from None
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
