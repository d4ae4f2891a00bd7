"""Every Redis client of ours comes from one place: REDIS_URL, one set of timeouts."""

import asyncio
import time

import pytest
import redis
from redis import asyncio as aioredis

from nexus_live import redis as shared_redis


def _address(pool) -> tuple:
    kwargs = pool.connection_kwargs
    return kwargs["host"], kwargs["port"], kwargs["db"]


def test_both_clients_come_from_redis_url_with_the_same_short_timeouts(redis_url_at, settings):
    sync_pool = shared_redis.sync_client().connection_pool

    async def in_one_loop():
        client = shared_redis.async_client()
        assert shared_redis.async_client() is client  # one per event loop
        return client

    first, second = asyncio.run(in_one_loop()), asyncio.run(in_one_loop())
    assert first is not second  # a loop's connections are useless to another loop
    for pool in (sync_pool, first.connection_pool):
        assert _address(pool) == ("127.0.0.1", redis_url_at.port, 0)
        assert pool.connection_kwargs["socket_connect_timeout"] <= 1
        assert pool.connection_kwargs["socket_timeout"] <= 1
    assert isinstance(first.connection_pool, aioredis.BlockingConnectionPool)
    assert first.connection_pool.max_connections == settings.REDIS_MAX_CONNECTIONS


def test_without_redis_url_there_is_no_client(settings):
    settings.REDIS_URL = ""
    assert shared_redis.sync_client() is None
    assert asyncio.run(_async_client()) is None


async def _async_client():
    return shared_redis.async_client()


def test_a_silent_redis_fails_in_about_a_second_not_redis_pys_five(redis_url_at):
    """SIGSTOP: the kernel still accepts connections, nothing ever answers."""
    shared_redis.sync_client().ping()
    redis_url_at.pause()
    try:
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            shared_redis.sync_client().ping()
        assert time.monotonic() - started < 1.5

        async def ping():
            await shared_redis.async_client().ping()

        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            asyncio.run(ping())
        assert time.monotonic() - started < 1.5
    finally:
        redis_url_at.resume()


def test_the_cache_and_channel_layer_connect_with_the_same_timeouts(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (CI always sets it)")
    assert settings.CACHES["default"]["OPTIONS"] == shared_redis.CLIENT_OPTIONS
    (host,) = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert host["socket_connect_timeout"] == shared_redis.CLIENT_OPTIONS["socket_connect_timeout"]


def test_presence_and_rate_limits_use_the_shared_clients(redis_url_at, monkeypatch):
    from nexus_live import presence, ratelimit

    used = []
    for name in ("sync_client", "async_client"):
        real = getattr(shared_redis, name)
        monkeypatch.setattr(
            shared_redis, name, lambda real=real, name=name: used.append(name) or real()
        )
    assert ratelimit.wait_for("shared:a", burst=1, interval=60) == 0
    asyncio.run(presence.touch("room:shared", 1, "specific.a"))
    assert set(used) == {"sync_client", "async_client"}
    keys = {key.decode() for key in redis_url_at.client().keys("*")}
    assert {ratelimit._key("shared:a"), presence._key("room:shared")} <= keys
