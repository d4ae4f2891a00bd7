"""/healthz says the process lives; /readyz says whether its services answer, and which do not."""

import pytest
from django.db import OperationalError, connection
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
    assert response.json()["failed"] == {"database": "OperationalError: connection refused"}
