"""Best-effort cache calls: a Redis cache that does not answer is a miss, never an error."""

import logging
import time

import pytest
import redis
from django.core.cache import cache

from nexus_live import redis as shared_redis
from nexus_live.cache import best_effort, cache_get_many_safe, cache_set_many_safe

BOUND = 2.0


@pytest.fixture
def redis_cache(private_redis, settings):
    """Django's cache on the private Redis, configured as settings.py does."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "t",
            "OPTIONS": shared_redis.CLIENT_OPTIONS,
        }
    }
    return private_redis


def timed(call, *args):
    started = time.monotonic()
    result = call(*args)
    assert time.monotonic() - started < BOUND
    return result


def test_reads_miss_and_writes_are_skipped_while_redis_is_dead(redis_cache, caplog):
    cache_set_many_safe({"tile:1": "<li>one</li>"}, 60)
    assert cache_get_many_safe(["tile:1", "tile:2"]) == {"tile:1": "<li>one</li>"}

    redis_cache.kill()
    with pytest.raises(redis.ConnectionError):  # what Django's RedisCache itself does
        cache.get_many(["tile:1"])
    with pytest.raises(redis.ConnectionError):
        cache.set_many({"tile:1": "<li>one</li>"}, 60)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert timed(cache_get_many_safe, ["tile:1"]) == {}
            timed(cache_set_many_safe, {"tile:1": "<li>one</li>"}, 60)
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1

    redis_cache.start()  # the same port, an empty Redis
    time.sleep(shared_redis.RETRY_INTERVAL + 0.1)
    cache_set_many_safe({"tile:1": "<li>again</li>"}, 60)
    assert cache_get_many_safe(["tile:1"]) == {"tile:1": "<li>again</li>"}


def test_a_silent_redis_costs_one_timeout_not_one_per_call(redis_cache):
    redis_cache.pause()
    try:
        started = time.monotonic()
        for _ in range(5):
            assert cache_get_many_safe(["tile:1"]) == {}
        assert time.monotonic() - started < BOUND
    finally:
        redis_cache.resume()


def test_the_decorator_turns_redis_errors_into_the_default_and_nothing_else(settings):
    location = "decorator-test"  # a breaker of its own, not the shared cache's
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {"default": {"BACKEND": locmem, "LOCATION": location}}

    @best_effort(default=dict)
    def unreachable():
        raise redis.ConnectionError("refused")

    @best_effort(default=dict)
    def buggy():
        raise ValueError("a bug of ours")

    with pytest.raises(ValueError):
        buggy()  # not an outage: raised, and Redis still counts as answering
    assert shared_redis.breaker(location).down_since is None
    try:
        assert unreachable() == {}
        assert unreachable() is not unreachable()  # a fresh default each time
        assert shared_redis.breaker(location).down_since is not None
    finally:
        shared_redis._breakers.pop(location)


def test_the_embedded_cache_works_the_same(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache_set_many_safe({"tile:1": "<li>one</li>"}, 60)
    assert cache_get_many_safe(["tile:1", "tile:2"]) == {"tile:1": "<li>one</li>"}
