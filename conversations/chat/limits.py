"""The live chat's rate limits, counted in Redis with the ``limits`` library so that every
server process shares them (docs/protocol.md, "Limits"; every number is a setting).

A new visitor costs one ``hello``, so a per-visitor limit alone is no limit. Each kind of
work is therefore counted by who does it *and* by where it comes from:

- ``hello``: per client address (chatassist/client_ip.py) and per workspace;
- messages: per contact, per client address and per workspace (a company's backend on
  ``POST /api/chat`` speaks for many people from one address: per contact and workspace only);
- every other frame (typing, read, resume, resolve, csat, ping): per visitor;
- uploads: files per visitor and per address, bytes per workspace.

Counts use the moving window (an exact log of timestamps, one Redis list per key, as long as
the limit), so a refusal says exactly when the next one will be accepted. Bytes use the
sliding-window counter instead (two counters, whatever the cost of a hit), whose wait is an
estimate. Every limit that applies is tested before any is counted: a visitor refused by its
address's limit keeps its own allowance.

A Redis outage never refuses a customer: the limits protect the service, and refusing or
losing a customer's message would hurt them more. Non-message frames are checked on the
event loop (``limits.aio``) so that a flood of them takes no database thread."""

import asyncio
import math
import time
import weakref
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from chatassist.client_ip import client_network
from conversations.errors import ConversationError

KEY_PREFIX = "chat-limits"
# Every setting that sets one of these limits (0 turns it off): a load test or a fuzzer that
# sends hundreds of chats from one address turns them all off with this list.
LIMIT_SETTINGS = (
    "CHAT_MESSAGES_PER_MINUTE",
    "CHAT_MESSAGES_PER_MINUTE_PER_IP",
    "CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE",
    "CHAT_HELLOS_PER_MINUTE_PER_IP",
    "CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE",
    "CHAT_FRAMES_PER_MINUTE",
    "CHAT_UPLOADS_PER_HOUR",
    "CHAT_UPLOADS_PER_HOUR_PER_IP",
    "CHAT_UPLOAD_BYTES_PER_HOUR_PER_WORKSPACE",
)
# A limit check that waits longer than this on Redis lets the customer through.
REDIS_TIMEOUT_SECONDS = 0.5

MESSAGE_SENTENCE = "You are sending messages too quickly. Your message will be sent in {wait}."
BUSY_SENTENCE = "This help desk is receiving too many messages right now. Your message will be sent in {wait}."
HELLO_SENTENCE = "Too many chats were opened from your network. Try again in {wait}."
HELLO_BUSY_SENTENCE = "This help desk is receiving too many new chats right now. Try again in {wait}."
FRAME_SENTENCE = "Too many updates from this chat. Wait {wait}."
UPLOAD_SENTENCE = "You have uploaded too many files. Try again in {wait}."
UPLOAD_BUSY_SENTENCE = "This help desk is receiving too many files right now. Try again in {wait}."


def _wait(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{math.ceil(seconds / 60)} min"


class RateLimited(ConversationError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: float, sentence: str = MESSAGE_SENTENCE):
        super().__init__(sentence.format(wait=_wait(retry_after)))
        self.retry_after = round(retry_after, 1)


@dataclass(frozen=True)
class Check:
    item: RateLimitItem | None  # None: the limit is off (its setting is 0)
    key: tuple[str, ...]
    sentence: str
    exact: bool = True  # moving window; else the sliding-window counter
    cost: int = 1


def _per_minute(amount: int) -> RateLimitItem | None:
    return RateLimitItemPerMinute(amount, namespace="chat") if amount > 0 else None


def _per_hour(amount: int) -> RateLimitItem | None:
    return RateLimitItemPerHour(amount, namespace="chat") if amount > 0 else None


@cache
def _limiters(url: str) -> dict[bool, MovingWindowRateLimiter | SlidingWindowCounterRateLimiter]:
    storage = RedisStorage(
        url,
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return {True: MovingWindowRateLimiter(storage), False: SlidingWindowCounterRateLimiter(storage)}


# redis.asyncio connections belong to the event loop that opened them.
_async_limiters: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()


def _async_limiter(url: str) -> AsyncMovingWindowRateLimiter:
    per_url = _async_limiters.setdefault(asyncio.get_running_loop(), {})
    if url not in per_url:
        storage = AsyncRedisStorage(
            "async+" + url,
            implementation="redispy",
            key_prefix=KEY_PREFIX,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        per_url[url] = AsyncMovingWindowRateLimiter(storage)
    return per_url[url]


def _enforce(checks: list[Check]) -> None:
    """Count one of each check, or raise ``RateLimited`` with the longest wait among those
    refused; nothing is counted when one refuses."""
    checks = [check for check in checks if check.item is not None]
    if not checks:
        return
    limiters = _limiters(settings.REDIS_URL)
    try:
        refused = [c for c in checks if not limiters[c.exact].test(c.item, *c.key, cost=c.cost)]
        if not refused:
            for check in checks:
                if not limiters[check.exact].hit(check.item, *check.key, cost=check.cost):
                    refused = [check]  # another process took the last place in between
                    break
        if refused:
            waits = [(limiters[c.exact].get_window_stats(c.item, *c.key).reset_time - time.time(), c) for c in refused]
            wait, check = max(waits, key=lambda pair: pair[0])
            raise RateLimited(max(wait, 0.1), check.sentence)
    except StorageError:
        return


# --- what is counted -----------------------------------------------------------------------------


def hello_check(*, workspace_id: int, client_ip: str) -> None:
    """One ``hello`` (a new or returning visitor opening the chat)."""
    _enforce(
        [
            Check(
                _per_minute(settings.CHAT_HELLOS_PER_MINUTE_PER_IP),
                ("hello", client_network(client_ip)),
                HELLO_SENTENCE,
            ),
            Check(
                _per_minute(settings.CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE),
                ("hello-workspace", str(workspace_id)),
                HELLO_BUSY_SENTENCE,
            ),
        ]
    )


def message_rate_check(*, workspace_id: int, contact_id: int, client_ip: str | None = None) -> None:
    """One new message. ``client_ip`` is None for a company's backend (API key), which
    sends for all its users from one address."""
    checks = [
        Check(
            _per_minute(settings.CHAT_MESSAGES_PER_MINUTE),
            ("message", str(workspace_id), str(contact_id)),
            MESSAGE_SENTENCE,
        ),
        Check(
            _per_minute(settings.CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE),
            ("message-workspace", str(workspace_id)),
            BUSY_SENTENCE,
        ),
    ]
    if client_ip is not None:
        item = _per_minute(settings.CHAT_MESSAGES_PER_MINUTE_PER_IP)
        checks.insert(1, Check(item, ("message-ip", client_network(client_ip)), MESSAGE_SENTENCE))
    _enforce(checks)


def upload_check(*, workspace_id: int, visitor_key: str, client_ip: str | None, size: int) -> None:
    """One upload of ``size`` bytes."""
    checks = [
        Check(_per_hour(settings.CHAT_UPLOADS_PER_HOUR), ("upload", str(workspace_id), visitor_key), UPLOAD_SENTENCE),
        Check(
            _per_hour(settings.CHAT_UPLOAD_BYTES_PER_HOUR_PER_WORKSPACE),
            ("upload-bytes-workspace", str(workspace_id)),
            UPLOAD_BUSY_SENTENCE,
            exact=False,
            cost=max(size, 1),
        ),
    ]
    if client_ip is not None:
        item = _per_hour(settings.CHAT_UPLOADS_PER_HOUR_PER_IP)
        checks.insert(1, Check(item, ("upload-ip", client_network(client_ip)), UPLOAD_SENTENCE))
    _enforce(checks)


async def frame_check(*, workspace_id: int, visitor_key: str) -> None:
    """One frame other than ``hello`` and ``message.send``, on the event loop."""
    item = _per_minute(settings.CHAT_FRAMES_PER_MINUTE)
    if item is None:
        return
    key = ("frame", str(workspace_id), visitor_key)
    try:
        limiter = _async_limiter(settings.REDIS_URL)
        if not await limiter.hit(item, *key):
            stats = await limiter.get_window_stats(item, *key)
            raise RateLimited(max(stats.reset_time - time.time(), 0.1), FRAME_SENTENCE)
    except StorageError:
        return


def limits_reset() -> None:
    """Forget every count (the test suite, between tests; an operator after an incident)."""
    _limiters(settings.REDIS_URL)[True].storage.reset()
