"""Best-effort use of Django's cache: while a Redis cache does not answer, a read is a miss and
a write is skipped, instead of an error for whoever asked (e.g. a page of card tiles).

Django's RedisCache raises redis.ConnectionError (refused, lost) or redis.TimeoutError (silent
past CLIENT_OPTIONS' timeout) from every call: get, get_many, set, set_many, delete, clear.
Here those count on the process's breaker for the cache's Redis: a warning once per outage,
and while it lasts Redis is asked at most once a second (the other calls miss at once).
Other errors (bugs) are not hidden.
"""

import functools

from django.conf import settings
from django.core.cache import cache

from nexus_live import redis as shared_redis


def _breaker() -> shared_redis.Breaker:
    return shared_redis.breaker(str(settings.CACHES["default"].get("LOCATION") or "local"))


def best_effort(default):
    """Decorator: while the cache's Redis does not answer, the function returns `default()`."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            breaker = _breaker()
            if not breaker.available():
                return default()
            try:
                result = function(*args, **kwargs)
            except shared_redis.ERRORS as exc:
                breaker.failed(exc)
                return default()
            breaker.answered()
            return result

        return wrapper

    return decorate


@best_effort(default=dict)
def cache_get_many_safe(keys) -> dict:
    """`cache.get_many(keys)`, or {} (all missed) while the cache does not answer."""
    return cache.get_many(keys)


@best_effort(default=lambda: None)
def cache_set_many_safe(mapping: dict, timeout: float | None) -> None:
    """`cache.set_many(mapping, timeout)`, or nothing stored while the cache does not answer."""
    if mapping:
        cache.set_many(mapping, timeout)
