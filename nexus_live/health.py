"""Readiness probes: is each backing service reachable from this process?"""

import asyncio
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from nexus_live import redis as shared_redis

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


async def _send_to_nobody() -> None:
    """One command to the layer's Redis that leaves nothing behind: a group with no members
    is a PUBLISH no one hears (pubsub) or a read of a sorted set that does not exist (list
    layer). A round trip through a new channel would leave that channel subscribed on the
    process's one event loop under the pubsub layer, one more with every probe."""
    layer = get_channel_layer()
    await asyncio.wait_for(layer.group_send("readyz", {"type": "readyz.ping"}), timeout=2)


def check_channel_layer() -> None:
    async_to_sync(_send_to_nobody)()
    # Sharded over several Redis servers, one send reaches one of them: ask each.
    urls = settings.CHANNEL_LAYER_REDIS_URLS
    for i, url in enumerate(urls if len(urls) > 1 else []):
        try:
            shared_redis.sync_client_for(url).ping()
        except shared_redis.ERRORS as exc:
            raise RuntimeError(
                f"channel layer shard {i} ({shared_redis.where(url)}): {exc}"
            ) from exc


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "cache": check_cache}


def failing_checks() -> dict[str, str]:
    """Run every check; return the name and error of each one that failed (also logged)."""
    failures = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; say which and why
            failures[name] = f"{type(exc).__name__}: {exc}"
            logger.warning("readiness: %s failed: %s", name, failures[name])
    return failures
