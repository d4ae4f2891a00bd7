"""Who is in a room or on a board now: entries expire unless heartbeats renew them: no ghosts.

Each socket holds one entry (user, channel) with a deadline. Redis keeps them in a sorted set
per space ("room:<pk>", "board:<pk>"; score = deadline), shared by every web process; without
Redis a process-local dict does the same for the embedded single-process mode. A killed
process stops renewing its entries and they fall out after TTL seconds.

With Redis, each process also keeps its own sockets' entries locally: while Redis does not
answer, those are the list (the people on this process), and once it answers again they are
written back to it, so the other processes see them before the next heartbeat.
"""

import time

from django.conf import settings

from nexus_live import redis as shared_redis

TTL = 60  # seconds; clients renew every HEARTBEAT
HEARTBEAT = 20

_local: dict[str, dict[str, float]] = {}
_written_back: dict[str, int] = {}  # per REDIS_URL: the last outage whose entries went back
_UNANSWERED = object()


def _key(space: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', 'nexus')}:presence:{space}"


def _live_local(key: str, now: float) -> dict[str, float]:
    entries = _local.get(key, {})
    for member in [m for m, deadline in entries.items() if deadline < now]:
        del entries[member]
    return entries


async def _write_back(redis, now: float) -> None:
    pipe = redis.pipeline()
    for key in list(_local):
        if entries := _live_local(key, now):
            pipe.zadd(key, entries)
            pipe.expire(key, TTL * 2)
    await pipe.execute()


async def _on_redis(work):
    """`await work(redis)`; _UNANSWERED without Redis or while it is unreachable."""
    redis = shared_redis.async_client()
    if redis is None:
        return _UNANSWERED
    breaker = shared_redis.breaker()
    if not breaker.available():
        return _UNANSWERED
    try:
        if _written_back.get(settings.REDIS_URL, 0) != breaker.outages:
            await _write_back(redis, time.time())
            _written_back[settings.REDIS_URL] = breaker.outages
        result = await work(redis)
    except shared_redis.ERRORS as exc:
        breaker.failed(exc)
        return _UNANSWERED
    breaker.answered()
    return result


async def touch(space: str, user_pk: int, channel: str) -> None:
    """Join or renew: this socket of this person is in the space for another TTL seconds."""
    key, member, deadline = _key(space), f"{user_pk}:{channel}", time.time() + TTL
    _local.setdefault(key, {})[member] = deadline

    async def work(redis):
        await redis.pipeline().zadd(key, {member: deadline}).expire(key, TTL * 2).execute()

    await _on_redis(work)


async def leave(space: str, user_pk: int, channel: str) -> None:
    key, member = _key(space), f"{user_pk}:{channel}"
    _local.get(key, {}).pop(member, None)

    async def work(redis):
        await redis.zrem(key, member)

    await _on_redis(work)


async def online(space: str) -> set[int]:
    """The people with at least one live socket in the space (a room or a board)."""
    key, now = _key(space), time.time()
    local = _live_local(key, now)

    async def work(redis):
        _, raw = (
            await redis.pipeline().zremrangebyscore(key, "-inf", now).zrange(key, 0, -1).execute()
        )
        return [m.decode() for m in raw]

    members = await _on_redis(work)
    if members is _UNANSWERED:
        members = list(local)
    return {int(member.split(":", 1)[0]) for member in members}
