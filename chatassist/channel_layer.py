"""channels-redis's layer, with group sends in two Redis round trips for any number of groups.

channels-redis 4.3 spends four round trips on one ``group_send``: prune the group, read it,
prune each member's queue, then the script that queues the message. A customer's message is
sent to two groups (the conversation's watchers and the workspace's monitor), and on this
kind of machine a round trip costs about 0.2 ms of the process's CPU as well as its wait, so
the broadcast took longer than storing the message (bench/monitor.py). Here every group of a
batch is pruned and read in one pipeline, and every message is queued in a second one, by a
script that also prunes the queue it adds to: the same keys, the same message encoding, the
same capacity and expiry rules, so ``receive`` and the other processes are unchanged.

With several Redis hosts (``ring_size`` > 1) the stock ``group_send`` is used."""

import logging
import time

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer

logger = logging.getLogger(__name__)

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

    def _next_score(self) -> float:
        self._last_score = max(time.time(), self._last_score + 1e-6)
        return self._last_score

    async def group_send(self, group, message):
        await self.group_send_many([(group, message, "")])

    async def group_send_many(self, sends: list[Send]) -> None:
        """Each message to its group's members, in order; a group holding nobody, or only the
        message's ``origin`` (the channel that has it already), is skipped."""
        for group, _, _ in sends:
            assert self.require_valid_group_name(group), "Group name not valid"
        if not sends:
            return
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
        """The group's live channels (those not past ``group_expiry``)."""
        assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(self.consistent_hash(group))
        return (await self._groups_read(connection, [group]))[0]

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
