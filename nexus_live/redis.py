"""Our Redis clients, configured in this one place: all from REDIS_URL, one set of timeouts;
and what to do while Redis does not answer.

- `sync_client()`: one per process (rate limits, from the write threads).
- `async_client()`: one per event loop (presence); a blocking pool of REDIS_MAX_CONNECTIONS.
- `breaker()`: whether Redis answered lately. While it does not, callers use their local
  (per-process) fallback and only one call a second tries Redis again: a dead Redis is not
  asked thousands of times a second, and each call costs at most one timeout.

Django's cache (settings.CACHES) and the channel layer are configured in settings.py; they take
CLIENT_OPTIONS from here.
"""

import asyncio
import functools
import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.conf import settings
from redis import asyncio as aioredis

log = logging.getLogger(__name__)

# A Redis on the same network answers in well under a millisecond: a second is a dead or hung
# server, not a slow one. redis-py's defaults are 5 s each (and pools retry nothing).
CLIENT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
# How long a caller may wait for a free connection of a blocking pool (a burst of connects).
POOL_TIMEOUT = 10
# While Redis is down, at most one call per this many seconds tries it again.
RETRY_INTERVAL = 1.0
# What "Redis is unreachable" raises (pool exhaustion and refused or lost connections are
# ConnectionErrors; timeouts are not).
ERRORS = (redis.ConnectionError, redis.TimeoutError)


def where(url: str) -> str:
    """host:port/db, without the password."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    return f"{parts.hostname}:{parts.port or 6379}{parts.path or '/0'}"


@functools.cache
def _sync_client(url: str) -> redis.Redis:
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=settings.REDIS_MAX_CONNECTIONS, timeout=POOL_TIMEOUT,
        **CLIENT_OPTIONS,
    )  # fmt: skip
    return redis.Redis(connection_pool=pool)


def sync_client() -> redis.Redis | None:
    """The process's client for REDIS_URL (None without Redis: the embedded mode)."""
    return _sync_client(settings.REDIS_URL) if settings.REDIS_URL else None


def sync_client_for(url: str) -> redis.Redis:
    """The process's client for another Redis (a channel-layer shard, for /readyz)."""
    return _sync_client(url)


_async_clients: dict[tuple[asyncio.AbstractEventLoop, str], aioredis.Redis] = {}


def async_client() -> aioredis.Redis | None:
    """This event loop's client for REDIS_URL (None without Redis: the embedded mode)."""
    if not settings.REDIS_URL:
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get((loop, settings.REDIS_URL))
    if client is None:
        for gone in [key for key in _async_clients if key[0].is_closed()]:
            del _async_clients[gone]
        # A blocking pool: a burst of connects waits for a connection instead of failing
        # ("Too many connections" past redis-py's default of 100 was seen at 2,000 sockets).
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.REDIS_URL, max_connections=settings.REDIS_MAX_CONNECTIONS,
            timeout=POOL_TIMEOUT, **CLIENT_OPTIONS,
        )  # fmt: skip
        client = _async_clients[loop, settings.REDIS_URL] = aioredis.Redis(connection_pool=pool)
    return client


class Breaker:
    """Whether one Redis answered lately, shared by every thread and event loop of the process.

    `available()` before a call (False: use the fallback now), then `failed(exc)` or
    `answered()`. A warning is logged once per outage, not per call; `outages` counts them, so
    a caller can tell that Redis came back since it last looked (and e.g. re-send what it
    only kept locally meanwhile)."""

    def __init__(self, url: str) -> None:
        self.where = where(url)
        self.down_since: float | None = None
        self.outages = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        if self.down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + RETRY_INTERVAL  # this caller tries; the others wait
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_INTERVAL
            if self.down_since is not None:
                return
            self.down_since, self.outages = time.monotonic(), self.outages + 1
        log.warning(
            "Redis at %s is unreachable (%s: %s): rate limits, presence and cached fragments "
            "are per process until it answers (tried again every %.0f s)",
            self.where, type(exc).__name__, exc, RETRY_INTERVAL,
        )  # fmt: skip

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            down_for, self.down_since = time.monotonic() - self.down_since, None
        log.warning("Redis at %s answers again, after %.1f s", self.where, down_for)


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(url: str | None = None) -> Breaker:
    """The process's breaker for `url` (default REDIS_URL)."""
    url = url or settings.REDIS_URL
    with _breakers_lock:
        if url not in _breakers:
            _breakers[url] = Breaker(url)
        return _breakers[url]
