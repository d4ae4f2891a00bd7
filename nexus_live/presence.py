"""Who is in a room or on a board now: entries expire unless heartbeats renew them: no ghosts.

Each socket holds one entry (user, channel) with a deadline. Redis keeps them in a sorted set
per space ("room:<pk>", "board:<pk>"; score = deadline), shared by every web process; without
Redis a process-local dict does the same for the embedded single-process mode. A killed
process stops renewing its entries and they fall out after TTL seconds.
"""

import time

from django.conf import settings

from nexus_live import redis as shared_redis

TTL = 60  # seconds; clients renew every HEARTBEAT
HEARTBEAT = 20

_local: dict[str, dict[str, float]] = {}


def _key(space: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'nexus')}:presence:{space}"


async def touch(space: str, user_pk: int, channel: str) -> None:
    """Join or renew: this socket of this person is in the space for another TTL seconds."""
    member, deadline = f"{user_pk}:{channel}", time.time() + TTL
    redis = shared_redis.async_client()
    if redis is None:
        _local.setdefault(_key(space), {})[member] = deadline
        return
    await redis.zadd(_key(space), {member: deadline})
    await redis.expire(_key(space), TTL * 2)


async def leave(space: str, user_pk: int, channel: str) -> None:
    member = f"{user_pk}:{channel}"
    redis = shared_redis.async_client()
    if redis is None:
        _local.get(_key(space), {}).pop(member, None)
        return
    await redis.zrem(_key(space), member)


async def online(space: str) -> set[int]:
    """The people with at least one live socket in the space (a room or a board)."""
    now = time.time()
    redis = shared_redis.async_client()
    if redis is None:
        entries = _local.get(_key(space), {})
        for member in [m for m, deadline in entries.items() if deadline < now]:
            del entries[member]
        members = list(entries)
    else:
        pipe = redis.pipeline()
        pipe.zremrangebyscore(_key(space), "-inf", now)
        pipe.zrange(_key(space), 0, -1)
        _, raw = await pipe.execute()
        members = [m.decode() for m in raw]
    return {int(member.split(":", 1)[0]) for member in members}
