"""channels-redis's layer, with group sends in two Redis round trips for any number of groups.

channels-redis 4.3 spends four round trips on one ``group_send``: prune the group, read it,
prune each member's queue, then the script that queues the message. A customer's message is
sent to two groups (the conversation's watchers and the workspace's monitor), and on this
kind of machine a round trip costs about 0.2 ms of the process's CPU as well as its wait, so
the broadcast took longer than storing the message (bench/monitor.py). Here every group of a
batch is pruned and read in one pipeline, and every message is queued in a second one, by a
script that also prunes the queue it adds to: the same keys, the same message encoding, the
same capacity and expiry rules, so ``receive`` and the other processes are unchanged.

With several Redis hosts (``ring_size`` > 1) the stock ``group_send`` is used.

A Redis outage degrades the live chat instead of breaking it (docs/deploy.md):

- ``receive`` does not raise: it returns ``{"type": "channel_layer.unavailable"}`` at once,
  then every ``OUTAGE_POLL_SECONDS`` while Redis stays away, and ``channel_layer.recovered``
  when it answers again. Consumers read what they missed from the database on each (the
  record is there); a socket is never closed with 1011 because Redis went away.
- Group sends made meanwhile are dropped and logged, as over capacity: at most once.
- Memberships are also kept in this process: a ``group_add`` made during the outage, and every
  membership of a channel when Redis comes back (perhaps restarted empty), is made again then.
- Pooled connections that died with the old server are retried once on a fresh connection
  (redis-py's ``Retry``), so the first command after a restart does not fail."""

import asyncio
import logging
import time

import redis.exceptions
from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from channels_redis.utils import create_pool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

logger = logging.getLogger(__name__)

# What redis-py raises when Redis cannot be reached or stops answering.
REDIS_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
UNAVAILABLE = "channel_layer.unavailable"
RECOVERED = "channel_layer.recovered"
# While Redis is down, how often each receiving channel asks whether it is back (and its
# consumer polls the database).
OUTAGE_POLL_SECONDS = 2.0

# KEYS: the members' queues. ARGV: a message per key, a capacity per key, then the time
# (the message's score), the queues' expiry in seconds, and the score below which a queued
# message has expired. Returns how many queues were full (the message is dropped there,
# as channels-redis does).
_QUEUE_SCRIPT = """
local count = #KEYS
local now = ARGV[2 * count + 1]
local expiry = ARGV[2 * count + 2]
local expired_before = ARGV[2 * count + 3]
local over_capacity = 0
for i = 1, count do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, expired_before)
    if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[count + i]) then
        redis.call('ZADD', KEYS[i], now, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""

Send = tuple[str, dict, str]
"""(group, message, origin): the group is skipped when ``origin`` is its only member."""


class RedisChannelLayer(StockRedisChannelLayer):
    # A queue is read in score order (the time a message was queued): scores from this process
    # only ever grow, so its messages keep their order even when queued in one batch or within
    # the clock's resolution.
    _last_score = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per channel of this process, the groups it joined and when (the membership's score).
        self._joined: dict[str, dict[str, float]] = {}
        # Channels whose next receive waits for Redis to come back.
        self._outage: set[str] = set()
        self._outage_logged = False

    def create_pool(self, index):
        # One retry on a fresh connection: after a restart, every pooled connection is dead
        # and the first command on each failed (the first socket after recovery was refused).
        host = {"retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 2), **self.hosts[index]}
        return create_pool(host)

    def _unreachable(self, what: str) -> None:
        if not self._outage_logged:
            self._outage_logged = True
            logger.warning(
                "Redis is unreachable (%s): group sends are dropped, sockets read from the database until it returns",
                what,
            )

    # --- receiving through an outage -------------------------------------------------------

    async def receive(self, channel):
        if channel in self._outage:
            return await self._outage_wait(channel)
        try:
            return await super().receive(channel)
        except REDIS_UNREACHABLE:
            self._unreachable("receive")
            self._outage.add(channel)
            return {"type": UNAVAILABLE}

    async def _outage_wait(self, channel: str) -> dict:
        await asyncio.sleep(OUTAGE_POLL_SECONDS)
        try:
            await self._rejoin(channel)
        except REDIS_UNREACHABLE:
            return {"type": UNAVAILABLE}
        self._outage.discard(channel)
        if self._outage_logged:
            self._outage_logged = False
            logger.warning("Redis is reachable again")
        return {"type": RECOVERED}

    async def _rejoin(self, channel: str) -> None:
        """The channel's memberships made again (a restarted Redis may have none): with their
        first time, so that they expire as they would have. A ping when it has none."""
        connection = self.connection(self.consistent_hash(channel))
        expired_before = time.time() - self.group_expiry
        joined = self._joined.get(channel, {})
        for group in [group for group, since in joined.items() if since < expired_before]:
            del joined[group]
        if not joined:
            await connection.ping()
            return
        pipeline = connection.pipeline(transaction=False)
        for group, since in joined.items():
            pipeline.zadd(self._group_key(group), {channel: since})
            pipeline.expire(self._group_key(group), self.group_expiry)
        await pipeline.execute()

    async def group_add(self, group, channel):
        self._joined.setdefault(channel, {})[group] = time.time()
        try:
            await super().group_add(group, channel)
        except REDIS_UNREACHABLE:
            # Made when Redis returns: the channel's next receive waits for that.
            self._unreachable("group_add")
            self._outage.add(channel)

    async def group_discard(self, group, channel):
        joined = self._joined.get(channel)
        if joined is not None:
            joined.pop(group, None)
            if not joined:
                del self._joined[channel]
                self._outage.discard(channel)
        try:
            await super().group_discard(group, channel)
        except REDIS_UNREACHABLE:
            # The membership expires with the group; messages queued for it expire unread.
            self._unreachable("group_discard")

    # --- sending -----------------------------------------------------------------------------

    def _next_score(self) -> float:
        self._last_score = max(time.time(), self._last_score + 1e-6)
        return self._last_score

    async def group_send(self, group, message):
        await self.group_send_many([(group, message, "")])

    async def group_send_many(self, sends: list[Send]) -> None:
        """Each message to its group's members, in order; a group holding nobody, or only the
        message's ``origin`` (the channel that has it already), is skipped. Dropped, and
        logged once, while Redis is unreachable."""
        for group, _, _ in sends:
            assert self.require_valid_group_name(group), "Group name not valid"
        if not sends:
            return
        try:
            await self._group_send_many(sends)
        except REDIS_UNREACHABLE:
            self._unreachable("group_send")

    async def _group_send_many(self, sends: list[Send]) -> None:
        if self.ring_size != 1:
            for group, message, origin in sends:
                if any(member != origin for member in await self.group_members(group)):
                    await super().group_send(group, message)
            return
        connection = self.connection(0)
        members_of = await self._groups_read(connection, [group for group, _, _ in sends])
        now = time.time()
        pipeline = connection.pipeline(transaction=False)
        queued = []
        for (group, message, origin), members in zip(sends, members_of, strict=True):
            if not any(member != origin for member in members):
                continue
            keys_of, message_of, capacity_of = self._map_channel_keys_to_connection(members, message)
            keys = keys_of[0]
            pipeline.eval(
                _QUEUE_SCRIPT,
                len(keys),
                *keys,
                *(message_of[key] for key in keys),
                *(capacity_of[key] for key in keys),
                repr(self._next_score()),
                self.expiry,
                int(now) - int(self.expiry),
            )
            queued.append((group, len(members)))
        if not queued:
            return
        for (group, member_count), over_capacity in zip(queued, await pipeline.execute(), strict=True):
            if over_capacity:
                # The stock layer's sentence, which operators and bench/chat.py look for.
                logger.info("%s of %s channels over capacity in group %s", over_capacity, member_count, group)

    async def group_members(self, group: str) -> list[str]:
        """The group's live channels (those not past ``group_expiry``); none while Redis is
        unreachable, since nothing could be sent to them."""
        assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(self.consistent_hash(group))
        try:
            return (await self._groups_read(connection, [group]))[0]
        except REDIS_UNREACHABLE:
            self._unreachable("group_members")
            return []

    async def _groups_read(self, connection, groups: list[str]) -> list[list[str]]:
        """Prune each group of expired members, as the stock ``group_send`` does, and read it:
        one round trip for all of them."""
        expired_before = int(time.time()) - self.group_expiry
        pipeline = connection.pipeline(transaction=False)
        for group in groups:
            key = self._group_key(group)
            pipeline.zremrangebyscore(key, min=0, max=expired_before)
            pipeline.zrange(key, 0, -1)
        replies = await pipeline.execute()
        return [[name.decode("utf8") for name in names] for names in replies[1::2]]
