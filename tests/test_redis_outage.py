"""While Redis is down, rate limits and presence go on per process, answer fast, log once per
outage, do not hammer the dead server, and go back to Redis once it answers again."""

import asyncio
import logging
import time

import redis
from redis import asyncio as aioredis

from nexus_live import presence, ratelimit

BOUND = 2.0  # seconds any one call may take while Redis is down or silent
RETRY = 1.0  # Redis is tried again at most once per this many seconds


def outage_warnings(caplog) -> list[str]:
    return [
        r.getMessage() for r in caplog.records
        if r.levelno >= logging.WARNING and "unreachable" in r.getMessage()
    ]  # fmt: skip


def timed(call, *args, **kwargs):
    started = time.monotonic()
    result = call(*args, **kwargs)
    assert time.monotonic() - started < BOUND
    return result


async def timed_async(awaitable):
    started = time.monotonic()
    result = await awaitable
    assert time.monotonic() - started < BOUND
    return result


def test_rate_limits_go_on_locally_while_redis_is_dead_then_go_back(redis_url_at, caplog):
    server = redis_url_at.client()
    assert ratelimit.wait_for("out:before", burst=1, interval=60) == 0
    assert server.exists(ratelimit._key("out:before"))

    redis_url_at.kill()
    with caplog.at_level(logging.WARNING):
        waits = [timed(ratelimit.wait_for, "out:during", burst=2, interval=60) for _ in range(3)]
        assert waits[:2] == [0, 0]  # the same arithmetic, per process
        assert 59 < waits[2] <= 60
    assert len(outage_warnings(caplog)) == 1  # once per outage, not per call

    redis_url_at.start()  # the same port, an empty Redis
    time.sleep(RETRY + 0.1)
    assert ratelimit.wait_for("out:after", burst=1, interval=60) == 0
    assert server.exists(ratelimit._key("out:after"))  # Redis is the store again
    assert ratelimit.wait_for("out:after", burst=1, interval=60) > 0

    redis_url_at.kill()  # a second outage is reported again
    with caplog.at_level(logging.WARNING):
        timed(ratelimit.wait_for, "out:again", burst=1, interval=60)
    assert len(outage_warnings(caplog)) == 2


def test_a_dead_redis_is_tried_at_most_once_a_second(redis_url_at, monkeypatch):
    attempts = []
    real_connect = redis.connection.Connection._connect
    monkeypatch.setattr(
        redis.connection.Connection, "_connect",
        lambda self: attempts.append(time.monotonic()) or real_connect(self),
    )  # fmt: skip
    redis_url_at.kill()
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        ratelimit.wait_for("out:hammer", burst=1000, interval=0.001)
        time.sleep(0.01)
    assert 1 <= len(attempts) <= 2, attempts


def test_a_silent_redis_costs_one_timeout_not_one_per_call(redis_url_at):
    assert ratelimit.wait_for("out:silent", burst=5, interval=60) == 0
    redis_url_at.pause()
    try:
        started = time.monotonic()
        for _ in range(5):
            timed(ratelimit.wait_for, "out:silent", burst=5, interval=60)
        assert time.monotonic() - started < BOUND
    finally:
        redis_url_at.resume()


async def test_presence_goes_on_locally_while_redis_is_dead_then_goes_back(redis_url_at, caplog):
    space, server = "room:outage", redis_url_at.client()
    await presence.touch(space, 1, "specific.one")
    assert server.zcard(presence._key(space)) == 1

    redis_url_at.kill()
    with caplog.at_level(logging.WARNING):
        # what this process knew before the outage stays listed
        assert await timed_async(presence.online(space)) == {1}
        await timed_async(presence.touch(space, 2, "specific.two"))
        await timed_async(presence.leave(space, 1, "specific.one"))
        assert await timed_async(presence.online(space)) == {2}
    assert len(outage_warnings(caplog)) == 1

    redis_url_at.start()  # the same port, an empty Redis
    await asyncio.sleep(RETRY + 0.1)
    assert await presence.online(space) == {2}
    # what was kept only locally meanwhile is in Redis again, for the other processes
    assert server.zrange(presence._key(space), 0, -1) == [b"2:specific.two"]
    # and Redis is the truth again: another process's socket is listed
    server.zadd(presence._key(space), {"3:specific.elsewhere": time.time() + 60})
    assert await presence.online(space) == {2, 3}


async def test_presence_tries_a_dead_redis_at_most_once_a_second(redis_url_at, monkeypatch):
    attempts = []
    real_connect = aioredis.connection.Connection._connect

    async def counted(self):
        attempts.append(time.monotonic())
        await real_connect(self)

    monkeypatch.setattr(aioredis.connection.Connection, "_connect", counted)
    redis_url_at.kill()
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        await presence.touch("room:hammer", 1, "specific.one")
        await presence.online("room:hammer")
        await asyncio.sleep(0.01)
    assert 1 <= len(attempts) <= 2, attempts


async def test_presence_answers_fast_while_redis_is_silent(redis_url_at):
    await presence.touch("room:silent", 1, "specific.one")
    redis_url_at.pause()
    try:
        started = time.monotonic()
        await timed_async(presence.touch("room:silent", 2, "specific.two"))
        assert await timed_async(presence.online("room:silent")) == {1, 2}
        await timed_async(presence.leave("room:silent", 2, "specific.two"))
        assert time.monotonic() - started < BOUND
    finally:
        redis_url_at.resume()
