"""One SDK client per (event loop, settings), reused across requests.

Reuse matters: a client owns a connection pool, and a new one per request would pay a TCP
(and in production TLS) handshake every time, plus ~50 ms to construct the Anthropic client.
Per event loop, because pooled connections belong to the loop that opened them: tests and
Celery tasks that call ``asyncio.run`` get a fresh loop each time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import TypeVar

ClientT = TypeVar("ClientT")

_clients: dict[asyncio.AbstractEventLoop, dict[Hashable, object]] = {}


def cached_client(key: Hashable, build: Callable[[], ClientT]) -> ClientT:
    loop = asyncio.get_running_loop()
    per_loop = _clients.get(loop)
    if per_loop is None:
        # Forget the clients of loops that have ended, so they can be garbage-collected.
        for old_loop in list(_clients):
            if old_loop.is_closed():
                _clients.pop(old_loop, None)
        per_loop = _clients[loop] = {}
    client = per_loop.get(key)
    if client is None:
        client = per_loop[key] = build()
    return client  # type: ignore[return-value]
