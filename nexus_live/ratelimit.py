"""Rate limits by GCRA: a burst of `burst` actions, then one per `interval` seconds.

With Redis, one atomic script per check on Redis's own clock, shared by every web process on
every machine. Without Redis (the embedded single-process mode), and while Redis does not
answer, the same arithmetic runs over a local cache: the limit is then per process.
"""

import functools
import math
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from redis.commands.core import Script

from nexus_live import redis as shared_redis

# KEYS[1]: the limited thing. ARGV: interval, burst. Returns the wait in seconds ("0": go).
# The key holds the theoretical arrival time (TAT) and expires once it is in the past.
_GCRA = """
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now) + interval
local wait = tat - now - burst * interval
if wait > 0 then return tostring(wait) end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1)
return '0'
"""
_script = Script(None, _GCRA.encode())  # bytes: no client needed to take its SHA


@functools.cache
def _local_cache():
    """One cache client for the process (Django's `cache` is per task under ASGI)."""
    return caches.create_connection("default")


# While Redis is down: the default cache is that same Redis, so a memory of the process's own.
_fallback = LocMemCache("nexus-live-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_local_lock = threading.Lock()  # read and write of one TAT are one step (the write threads)


def _key(name: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'nexus')}:rate:{name}"


def _local_wait(store, key: str, burst: int, interval: float) -> float:
    """The script's arithmetic, on the local clock and store."""
    with _local_lock:
        now = time.time()
        tat = max(store.get(key, now), now) + interval
        wait = tat - now - burst * interval
        if wait > 0:
            return wait
        store.set(key, tat, timeout=math.ceil(tat - now) + 1)
        return 0.0


def wait_for(name: str, *, burst: int, interval: float) -> float:
    """Take one action from `name`'s allowance: 0.0 if it may go now, else the seconds to wait
    (and nothing is taken). Never fails because Redis is down."""
    if not settings.REDIS_URL:
        return _local_wait(_local_cache(), _key(name), burst, interval)
    breaker = shared_redis.breaker()
    if breaker.available():
        try:
            client = shared_redis.sync_client()
            wait = float(_script(keys=[_key(name)], args=[interval, burst], client=client))
        except shared_redis.ERRORS as exc:
            breaker.failed(exc)
        else:
            breaker.answered()
            return wait
    return _local_wait(_fallback, _key(name), burst, interval)


def waits_for(names: list[str], *, burst: int, interval: float) -> list[float]:
    """`wait_for` for many names at once: with Redis, one round trip (a pipeline of the script)
    for a batch of posts instead of one each."""
    if not names:
        return []
    if not settings.REDIS_URL:
        return [_local_wait(_local_cache(), _key(n), burst, interval) for n in names]
    breaker = shared_redis.breaker()
    if breaker.available():
        try:
            pipe = shared_redis.sync_client().pipeline(transaction=False)
            for name in names:
                _script(keys=[_key(name)], args=[interval, burst], client=pipe)
            waits = [float(wait) for wait in pipe.execute()]
        except shared_redis.ERRORS as exc:
            breaker.failed(exc)
        else:
            breaker.answered()
            return waits
    return [_local_wait(_fallback, _key(n), burst, interval) for n in names]


class RateLimited(ValidationError):
    """Too fast: the error says when to try again (sockets send it as `retry_after`)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"You are sending too fast. Try again in {max(1, math.ceil(retry_after))} s."
        )


def check(name: str, *, burst: int, interval: float) -> None:
    """Take one action from `name`'s allowance, or raise RateLimited."""
    wait = wait_for(name, burst=burst, interval=interval)
    if wait > 0:
        raise RateLimited(wait)
