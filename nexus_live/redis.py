"""Our Redis clients, configured in this one place: all from REDIS_URL, one set of timeouts.

- `sync_client()`: one per process (rate limits, from the write threads).
- `async_client()`: one per event loop (presence); a blocking pool of REDIS_MAX_CONNECTIONS.

Django's cache (settings.CACHES) and the channel layer are configured in settings.py; they take
CLIENT_OPTIONS from here.
"""

import asyncio
import functools

import redis
from django.conf import settings
from redis import asyncio as aioredis

# A Redis on the same network answers in well under a millisecond: a second is a dead or hung
# server, not a slow one. redis-py's defaults are 5 s each (and pools retry nothing).
CLIENT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
# How long a caller may wait for a free connection of a blocking pool (a burst of connects).
POOL_TIMEOUT = 10


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
