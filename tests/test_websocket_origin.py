"""WebSockets are refused from a foreign Origin before any route or consumer runs."""

import pytest
from channels.testing import WebsocketCommunicator

from nexus_live.asgi import application


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/rooms/general/", "/ws/boards/1/"])
async def test_it_refuses_a_foreign_origin(path):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_it_refuses_a_missing_origin():
    communicator = WebsocketCommunicator(application, "/ws/rooms/general/")
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()
