"""/healthz says the process lives; /readyz says whether its services answer, and which do not."""

import asyncio
import os
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import OperationalError, connection, connections
from django.urls import reverse

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_every_service_answers(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}


def test_readyz_names_a_dead_cache(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert list(response.json()["failed"]) == ["cache"]


def test_readyz_names_a_dead_channel_layer(client, db, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert list(response.json()["failed"]) == ["channel_layer"]


@pytest.mark.django_db(transaction=True)
def test_readyz_names_a_dead_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["database"]}


def test_readyz_names_only_the_failing_service_when_debug_is_off(client, db, settings):
    """Its 503 is public: the error (with the service's host and port) stays in the log."""
    settings.DEBUG = False
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["channel_layer"]}
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_shows_the_errors_when_debug_is_on(client, db, settings):
    settings.DEBUG = True
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    }
    body = client.get(reverse("readyz")).json()
    assert body["failed"] == ["channel_layer"]
    assert "127.0.0.1:1" in body["errors"]["channel_layer"]


def _redis_state(prefix: str) -> tuple[int, int, int]:
    """Subscribed channels and keys under `prefix`, and clients of this test's Redis db."""
    url = os.environ["REDIS_URL"]
    server = redis.Redis.from_url(url)
    try:
        db = str(server.connection_pool.connection_kwargs.get("db", 0))
        channels = len(server.pubsub_channels(f"{prefix}*"))
        keys = len(server.keys(f"{prefix}*"))
        clients = sum(1 for client in server.client_list() if str(client["db"]) == db)
        return channels, keys, clients - 1  # less this one
    finally:
        server.close()


@pytest.mark.parametrize(
    "backend",
    ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
    ids=["pubsub", "list"],
)
@pytest.mark.django_db(transaction=True)
async def test_readyz_leaves_no_subscription_key_or_connection_behind(
    async_client, settings, backend
):
    """Under daphne every call runs on the one event loop of the process: whatever a check
    leaves there adds up (it once left a subscription per call)."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a real Redis (REDIS_URL)")
    prefix = f"nexus-test-readyz-{uuid.uuid4().hex}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": prefix},
        }
    }
    try:
        assert (await async_client.get(reverse("readyz"))).status_code == 200  # connects
        before = await asyncio.to_thread(_redis_state, prefix)
        for _ in range(50):
            response = await async_client.get(reverse("readyz"))
            assert response.status_code == 200, response.content
    finally:
        # The test client keeps the view thread's connection (no request_finished cleanup):
        # give it back, or the test database cannot be dropped.
        await sync_to_async(connections.close_all)()

    channels, keys, clients = await asyncio.to_thread(_redis_state, prefix)
    assert channels == before[0] == 0, "subscriptions left behind"
    assert keys == before[1] == 0, "keys left behind"
    assert clients <= before[2] + 1, "connections left behind"
