"""Rate limits by GCRA: a burst of `burst` actions, then one per `interval` seconds.

With Redis, one atomic script per check on Redis's own clock, shared by every web process on
every machine. Without Redis (the embedded single-process mode), and while Redis does not
answer, the same arithmetic runs over a local cache: the limit is then per process.
"""

import functools
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from redis.commands.core import Script

from nexus_live import redis as shared_redis

# KEYS[1]: the limited thing. ARGV: interval, burst, take ("1": take one, "0": only look).
# Returns {wait, backlog}: the seconds to wait ("0": it went), and how far the theoretical
# arrival time (TAT) now is ahead of the clock (what is used of the burst, in seconds). The key
# holds the TAT and expires once it is in the past.
_GCRA = """
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
if ARGV[3] == '0' then return {'0', tostring(held - now)} end
local tat = held + interval
local wait = tat - now - burst * interval
if wait > 0 then return {tostring(wait), tostring(held - now)} end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1)
return {'0', tostring(tat - now)}
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


@dataclass(frozen=True)
class Allowance:
    """One look at a limit: `wait` seconds before the next action may go (0.0: this one went),
    `remaining` actions left in the burst now, `reset` seconds until the burst is whole again."""

    wait: float
    remaining: int
    reset: float


def _allowance(wait: float, backlog: float, *, burst: int, interval: float) -> Allowance:
    # A hair of slack: the TAT is kept as text, and (burst - k) * interval must count as k used.
    remaining = math.floor((burst * interval - backlog) / interval + 1e-6)
    return Allowance(wait, max(0, min(burst, remaining)), max(0.0, backlog))


def _local_take(store, key: str, burst: int, interval: float, *, take: bool) -> Allowance:
    """The script's arithmetic, on the local clock and store."""
    with _local_lock:
        now = time.time()
        held = max(store.get(key, now), now)
        if not take:
            return _allowance(0.0, held - now, burst=burst, interval=interval)
        tat = held + interval
        wait = tat - now - burst * interval
        if wait > 0:
            return _allowance(wait, held - now, burst=burst, interval=interval)
        store.set(key, tat, timeout=math.ceil(tat - now) + 1)
        return _allowance(0.0, tat - now, burst=burst, interval=interval)


def _from_script(answer: list, *, burst: int, interval: float) -> Allowance:
    wait, backlog = (float(part) for part in answer)
    return _allowance(wait, backlog, burst=burst, interval=interval)


def take(name: str, *, burst: int, interval: float, only_look: bool = False) -> Allowance:
    """Take one action from `name`'s allowance (nothing is taken when it must wait, nor with
    `only_look`) and say what is left. Never fails because Redis is down."""
    if not settings.REDIS_URL:
        return _local_take(_local_cache(), _key(name), burst, interval, take=not only_look)
    breaker = shared_redis.breaker()
    if breaker.available():
        try:
            client = shared_redis.sync_client()
            args = [interval, burst, 0 if only_look else 1]
            answer = _script(keys=[_key(name)], args=args, client=client)
        except shared_redis.ERRORS as exc:
            breaker.failed(exc)
        else:
            breaker.answered()
            return _from_script(answer, burst=burst, interval=interval)
    return _local_take(_fallback, _key(name), burst, interval, take=not only_look)


def wait_for(name: str, *, burst: int, interval: float) -> float:
    """Take one action from `name`'s allowance: 0.0 if it may go now, else the seconds to wait
    (and nothing is taken). Never fails because Redis is down."""
    return take(name, burst=burst, interval=interval).wait


def waits_for(names: list[str], *, burst: int, interval: float) -> list[float]:
    """`wait_for` for many names at once: with Redis, one round trip (a pipeline of the script)
    for a batch of posts instead of one each."""
    if not names:
        return []
    if not settings.REDIS_URL:
        store = _local_cache()
        return [_local_take(store, _key(n), burst, interval, take=True).wait for n in names]
    breaker = shared_redis.breaker()
    if breaker.available():
        try:
            pipe = shared_redis.sync_client().pipeline(transaction=False)
            for name in names:
                _script(keys=[_key(name)], args=[interval, burst, 1], client=pipe)
            waits = [float(answer[0]) for answer in pipe.execute()]
        except shared_redis.ERRORS as exc:
            breaker.failed(exc)
        else:
            breaker.answered()
            return waits
    return [_local_take(_fallback, _key(n), burst, interval, take=True).wait for n in names]


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
