"""chatassist/channel_layer.py on the real Redis: what its group sends queue is what the
stock channels-redis layer (another process, an older deploy) receives, with the stock
capacity, expiry and origin rules."""

import asyncio
import functools
import logging
import time
import uuid

import pytest
from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from django.conf import settings

from chatassist.channel_layer import RedisChannelLayer
from chatassist.fanout import group_has_others, group_send_to_others


def in_own_loop(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))

    return run


def layer_config(**overrides) -> dict:
    config = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    # Every test its own keys: nothing left by another test can reach these groups.
    config["prefix"] = f"test-layer-{uuid.uuid4().hex[:8]}"
    config.update(overrides)
    return config


@pytest.fixture
def config():
    return layer_config()


async def receive(layer, channel: str, timeout: float = 2.0) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def nothing_for(layer, channel: str, seconds: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(layer.receive(channel), seconds)
    except TimeoutError:
        return True
    return False


@in_own_loop
async def test_a_group_send_reaches_every_member_in_another_process(config):
    sender, other_process = RedisChannelLayer(**config), StockRedisChannelLayer(**config)
    local_a, local_b = await other_process.new_channel(), await other_process.new_channel()
    plain = f"plain.{uuid.uuid4().hex}"
    for channel in (local_a, local_b, plain):
        await sender.group_add("watchers", channel)

    await sender.group_send("watchers", {"type": "chat.message", "text": "héllo", "n": 1})

    # Two channels of one process share a queue: one message that names both (the stock rule).
    for channel in (local_a, local_b, plain):
        assert await receive(other_process, channel) == {"type": "chat.message", "text": "héllo", "n": 1}
    await sender.flush()


@in_own_loop
async def test_a_batch_goes_out_in_order_and_skips_groups_that_hold_only_their_origin(config):
    layer = RedisChannelLayer(**config)
    asker, watcher = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("conversation", asker)
    await layer.group_add("conversation", watcher)
    await layer.group_add("alone", asker)

    await layer.group_send_many(
        [
            ("conversation", {"type": "x", "n": 1}, asker),
            ("alone", {"type": "x", "n": 2}, asker),
            ("nobody", {"type": "x", "n": 3}, ""),
            ("conversation", {"type": "x", "n": 4}, asker),
        ]
    )

    assert [(await receive(layer, watcher))["n"] for _ in range(2)] == [1, 4]
    # The asker is in the conversation's group, so it hears that group's messages (consumers
    # drop their own by origin); the group where it is alone was never sent to.
    assert [(await receive(layer, asker))["n"] for _ in range(2)] == [1, 4]
    assert await nothing_for(layer, asker)
    await layer.flush()


@in_own_loop
async def test_members_past_the_group_expiry_are_dropped_and_get_nothing(config):
    layer = RedisChannelLayer(**config)
    stale, live = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", stale)
    await layer.group_add("g", live)
    connection = layer.connection(0)
    await connection.zadd(layer._group_key("g"), {stale: int(time.time()) - layer.group_expiry - 5})

    assert await layer.group_members("g") == [live]
    await layer.group_send("g", {"type": "x"})
    assert await receive(layer, live) == {"type": "x"}
    assert await nothing_for(layer, stale)
    await layer.flush()


@in_own_loop
async def test_a_full_queue_drops_the_message_and_says_so(caplog):
    layer = RedisChannelLayer(**layer_config(capacity=2))
    reader = StockRedisChannelLayer(**layer_config(prefix=layer.prefix))
    channel = f"plain.{uuid.uuid4().hex}"
    await layer.group_add("g", channel)

    with caplog.at_level(logging.INFO, logger="chatassist.channel_layer"):
        for n in range(3):
            await layer.group_send("g", {"type": "x", "n": n})

    assert "1 of 1 channels over capacity in group g" in caplog.text
    assert [(await receive(reader, channel))["n"] for _ in range(2)] == [0, 1]
    assert await nothing_for(reader, channel)
    await layer.flush()


@in_own_loop
async def test_expired_messages_make_room_before_the_capacity_is_counted():
    layer = RedisChannelLayer(**layer_config(capacity=1, expiry=10))
    channel = f"plain.{uuid.uuid4().hex}"
    await layer.group_add("g", channel)
    # A message nobody read, queued long ago: it has expired and must not fill the queue.
    await layer.connection(0).zadd(layer.prefix + channel, {b"old": time.time() - 60})

    await layer.group_send("g", {"type": "x", "n": "new"})

    assert await receive(layer, channel) == {"type": "x", "n": "new"}
    await layer.flush()


@in_own_loop
async def test_with_several_hosts_the_stock_send_is_used(config):
    redis_url = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"]
    layer = RedisChannelLayer(**{**config, "hosts": [redis_url, redis_url]})
    asker, watcher = await layer.new_channel(), await layer.new_channel()
    for channel in (asker, watcher):
        await layer.group_add("g", channel)
    await layer.group_add("alone", asker)

    await layer.group_send_many([("g", {"type": "x", "n": 1}, asker), ("alone", {"type": "x", "n": 2}, asker)])

    assert (await receive(layer, watcher))["n"] == 1
    assert (await receive(layer, asker))["n"] == 1
    assert await nothing_for(layer, asker)
    await layer.flush()


@in_own_loop
async def test_fanout_uses_the_batch_send_of_the_configured_layer():
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)
    group = f"fanout-{uuid.uuid4().hex[:8]}"
    origin, watcher = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(group, origin)
    assert not await group_has_others(group, origin=origin)
    await group_send_to_others(group, {"type": "x"}, origin=origin)
    assert await nothing_for(layer, origin)

    await layer.group_add(group, watcher)
    assert await group_has_others(group, origin=origin)
    await group_send_to_others(group, {"type": "x", "n": 5}, origin=origin)
    assert (await receive(layer, watcher))["n"] == 5
    await layer.group_discard(group, origin)
    await layer.group_discard(group, watcher)


@in_own_loop
async def test_messages_keep_their_order_when_the_clock_does_not_move(config, monkeypatch):
    """Queues are read in score order; the scores of one process only ever grow."""
    layer = RedisChannelLayer(**config)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    frozen = time.time()
    monkeypatch.setattr("chatassist.channel_layer.time.time", lambda: frozen)
    for n in range(5):
        await layer.group_send_many([("g", {"type": "x", "n": n}, ""), ("g", {"type": "x", "n": n + 100}, "")])
    monkeypatch.undo()

    received = [(await receive(layer, channel))["n"] for _ in range(10)]
    assert received == [0, 100, 1, 101, 2, 102, 3, 103, 4, 104]
    await layer.flush()
