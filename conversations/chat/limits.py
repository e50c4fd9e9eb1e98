"""Per-contact message rate limit, counted in Redis so that every server process shares it.

A sliding window over the last minute (a sorted set of timestamps): bursts are allowed up to
the limit, and the refusal says exactly when the next message will be accepted."""

import secrets
import time
from functools import cache

import redis
from django.conf import settings

from conversations.errors import ConversationError

WINDOW_SECONDS = 60.0


class RateLimited(ConversationError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: float):
        super().__init__(
            f"You are sending messages too quickly. Your message will be sent in {max(1, round(retry_after))} s."
        )
        self.retry_after = round(retry_after, 1)


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def message_rate_check(*, workspace_id: int, contact_id: int) -> None:
    """Count one message, or raise ``RateLimited`` with the seconds to wait. A Redis outage
    never refuses a customer: the limit protects us, losing a message would hurt them."""
    limit = settings.CHAT_MESSAGES_PER_MINUTE
    if limit <= 0:
        return
    key = f"chat:rate:{workspace_id}:{contact_id}"
    now = time.time()
    try:
        pipe = _client().pipeline()
        pipe.zremrangebyscore(key, 0, now - WINDOW_SECONDS)
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
        _, count, oldest = pipe.execute()
        if count >= limit:
            retry_after = (oldest[0][1] + WINDOW_SECONDS - now) if oldest else WINDOW_SECONDS
            raise RateLimited(max(retry_after, 0.1))
        pipe = _client().pipeline()
        pipe.zadd(key, {f"{now}:{secrets.token_hex(4)}": now})
        pipe.expire(key, int(WINDOW_SECONDS) + 1)
        pipe.execute()
    except redis.RedisError:
        return
