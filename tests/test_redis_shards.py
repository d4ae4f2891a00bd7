"""The channel layer over two Redis servers (channels-redis shards): a room's group lives on
one of them, by a hash of its name, and a message posted on one daphne process reaches the
sockets of another whichever server holds the room. Two redis-server processes of the test's
own (ports 6392 and 6393), two real daphne processes, stopped by PID."""

import asyncio
import json
import os
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import websockets
from channels_redis.utils import _consistent_hash
from django.db import connection
from django.test import Client

from bench.servers import free_port, start_daphne, stop_all, wait_until_up
from chat.models import Room
from nexus_live import health
from tests.conftest import PrivateRedis

SHARD_PORTS = (6392, 6393)
PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "nexus") + "-shards"


@pytest.fixture
def shards():
    servers = []
    try:
        for port in SHARD_PORTS:
            server = PrivateRedis()
            server.port, server.url = port, f"redis://127.0.0.1:{port}/0"
            server.start()
            servers.append(server)
        yield servers
    finally:
        for server in servers:
            server.kill()


def _test_database_url() -> str:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("the daphne processes share the test database and Redis: run on both")
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(str(connection.settings_dict["NAME"]))))


@pytest.fixture
def two_daphnes(shards, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=_test_database_url(),
        CHANNEL_LAYER_REDIS_URLS=",".join(server.url for server in shards),
        CHANNEL_LAYER_PREFIX=PREFIX,
        PYTHONUNBUFFERED="1",
    )
    daphnes = [start_daphne(free_port(), env, tmp_path / f"daphne-{i}.log") for i in range(2)]
    try:
        for daphne in daphnes:
            wait_until_up(daphne)
        yield daphnes
    finally:
        stop_all(daphnes)


def _rooms_on_each_shard(alice) -> list[Room]:
    """Rooms until one's group hashes to each shard (the library's own function, checked
    against the servers below)."""
    found: dict[int, Room] = {}
    while len(found) < len(SHARD_PORTS):
        n = Room.objects.count()
        room = Room.objects.create(name=f"shard {n}", slug=f"shard-{n}", created_by=alice)
        shard = _consistent_hash(f"{PREFIX}__group__room-{room.pk}", len(SHARD_PORTS))
        found.setdefault(shard, room)
    return [found[i] for i in range(len(SHARD_PORTS))]


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def rooms_and_cookies(transactional_db, alice, bob) -> tuple[list[Room], list[str]]:
    """Committed (the daphnes read them): a room on each shard, alice's and bob's sessions."""
    return _rooms_on_each_shard(alice), [_cookie(alice), _cookie(bob)]


async def _open(port: int, room: Room, cookie: str):
    socket_ = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/rooms/{room.slug}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
    )
    await _until(socket_, "synced")
    return socket_


async def _until(socket_, kind: str, **fields: object) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket_.recv(), timeout=10))
        if frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items()):
            return frame


async def test_a_message_reaches_another_process_whichever_shard_holds_its_room(
    two_daphnes, shards, rooms_and_cookies
):
    rooms, cookies = rooms_and_cookies
    first, second = (daphne.port for daphne in two_daphnes)
    sockets = []
    try:
        for room in rooms:
            # alice on the first process, bob on the second, in every room
            sockets.append(
                (await _open(first, room, cookies[0]), await _open(second, room, cookies[1]))
            )

        for i, (room, server) in enumerate(zip(rooms, shards, strict=True)):
            group = f"{PREFIX}__group__room-{room.pk}".encode()
            here = server.client().pubsub_channels(f"{PREFIX}__group__room-*")
            elsewhere = shards[1 - i].client().pubsub_channels(f"{PREFIX}__group__room-*")
            assert group in here, (group, here)  # the room lives on its own shard ...
            assert group not in elsewhere  # ... and only there

        for (a, b), room in zip(sockets, rooms, strict=True):
            await a.send(json.dumps({"action": "post", "client_id": f"a{room.pk}", "body": "hi"}))
            from_a = await _until(b, "message")
            await b.send(json.dumps({"action": "post", "client_id": f"b{room.pk}", "body": "yo"}))
            from_b = await _until(a, "message", seq=from_a["seq"] + 1)
            assert (from_a["seq"], from_b["seq"]) == (1, 2)
    finally:
        for pair in sockets:
            for socket_ in pair:
                await socket_.close()
    for daphne in two_daphnes:
        assert daphne.problems() == [], daphne.log.read_text(errors="replace")


def test_readyz_asks_every_shard(shards, settings):
    settings.CHANNEL_LAYER_REDIS_URLS = [server.url for server in shards]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": s.url} for s in shards], "prefix": PREFIX},
        }
    }
    health.check_channel_layer()
    # the shard the probe's one group_send does not reach: only asking each one finds it down
    unheard = 1 - _consistent_hash(f"{PREFIX}__group__readyz", len(shards))
    shards[unheard].kill()
    with pytest.raises(RuntimeError, match=f"shard {unheard}"):
        health.check_channel_layer()


def test_the_channel_layer_lists_every_shard_in_order(settings):
    from nexus_live import redis as shared_redis

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (CI always sets it)")
    hosts = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    assert [h["address"] for h in hosts] == settings.CHANNEL_LAYER_REDIS_URLS
    assert all(h["socket_timeout"] == 15 for h in hosts)
    # the cache's, presence's and rate limits' client stays on REDIS_URL
    assert shared_redis.sync_client().connection_pool.connection_kwargs["db"] == int(
        urlsplit(settings.REDIS_URL).path.lstrip("/") or 0
    )
