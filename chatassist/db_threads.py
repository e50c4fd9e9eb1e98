"""A small pool of threads, each with a database connection it keeps, for the live chat's
database work.

Channels runs every ``sync_to_async`` call of a process on one thread by default, and with
``CONN_MAX_AGE=0`` (the right setting for ASGI page requests, whose threads come and go)
every socket event there closes and reopens its PostgreSQL connection. Under a few hundred
busy sockets that one thread becomes the queue every message waits in (bench/chat.py
measured seconds). The chat's calls are short, independent and each its own transaction, so
they run here instead: ``CHAT_DB_THREADS`` threads side by side, a connection per thread
opened once, checked after an error or a quiet spell, and replaced every few minutes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

# A connection is replaced after this long, so a server-side change (a failover, a
# pgbouncer restart, a new role setting) reaches every thread within minutes.
RECYCLE_SECONDS = 300
# After this long unused, a connection is checked (one ``SELECT 1``) before its next query.
IDLE_CHECK_SECONDS = 10

# The database's own errors when it cannot be reached (a restart, a failover, a network cut),
# as Django raises them; anything else (a constraint, a bug) is not an outage.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_local = threading.local()


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=settings.CHAT_DB_THREADS, thread_name_prefix="chat-db")
    return _executor


def _connections_ready() -> None:
    now = time.monotonic()
    opened_at = getattr(_local, "opened_at", None)
    used_at = getattr(_local, "used_at", now)
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        # A call that failed inside a transaction must not leave it to the next caller.
        left_in_transaction = connection.in_atomic_block or connection.needs_rollback
        broken = connection.errors_occurred and not connection.is_usable()
        old = opened_at is not None and now - opened_at > RECYCLE_SECONDS
        if left_in_transaction or broken or old:
            connection.close()
        elif now - used_at > IDLE_CHECK_SECONDS:
            # Django's own health check: ``is_usable()`` before the next query, once.
            connection.health_check_done = False
    if all(connection.connection is None for connection in connections.all(initialized_only=True)):
        _local.opened_at = now
    _local.used_at = now


def _call(function, args, kwargs):
    _connections_ready()
    try:
        return function(*args, **kwargs)
    finally:
        _local.used_at = time.monotonic()


async def run_db(function, /, *args, **kwargs):
    """``await run_db(service, ...)``: ``service(...)`` on a chat database thread. For short
    calls that make their own transaction; not for work that must share the caller's."""
    return await sync_to_async(partial(_call, function, args, kwargs), thread_sensitive=False, executor=_pool())()


def connections_close_all() -> None:
    """Close every chat database thread's connection and stop the threads (the next call
    starts new ones). For test teardown, before the test database is dropped."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is None:
        return
    threads = len(executor._threads)
    if threads:
        # One task per thread: each waits at the barrier until all are running, so every
        # thread runs exactly one and closes its own connections.
        barrier = threading.Barrier(threads)

        def close_own() -> None:
            barrier.wait(timeout=30)
            connections.close_all()

        for future in [executor.submit(close_own) for _ in range(threads)]:
            future.result(timeout=60)
    executor.shutdown(wait=True)
