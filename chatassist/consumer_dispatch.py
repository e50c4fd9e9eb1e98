"""Event dispatch for the sockets whose database work all goes through chatassist/db_threads.

Channels 4 runs ``close_old_connections`` on its one shared sync thread before every event a
consumer handles: a hop to that thread and back for each frame from the browser and each
message from the channel layer, and, under load, a queue, since every socket of the process
waits for the same thread (bench/monitor.py saw it in every customer message's path). These
consumers never touch connections on that thread: their queries run on the chat database
threads, which look after their own connections, and ``database_sync_to_async`` (the
session and auth middleware at connect) already closes old connections around each call."""

from channels.consumer import get_handler_name


class ChatDatabaseDispatchMixin:
    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
