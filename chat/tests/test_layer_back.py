"""A socket that opened while the channel layer was unreachable works without live frames;
once the layer answers again it is closed with 1012 (the client reconnects on a channel and
catches up). One that opened but could not join its groups joins them at its next ping."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer

from chat import actions
from chat.tests.conftest import connected, drain, frames_until

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory layer, made to fail as an unreachable Redis does: `down` fails
    everything, `groups_down` only joining groups."""

    down = False
    groups_down = False

    def _check(self, groups: bool = False) -> None:
        if FlakyLayer.down or (groups and FlakyLayer.groups_down):
            raise ConnectionError("the channel layer is unreachable (on purpose)")

    async def new_channel(self, prefix: str = "specific.") -> str:
        self._check()
        return await super().new_channel(prefix)

    async def group_add(self, group: str, channel: str) -> None:
        self._check(groups=True)
        await super().group_add(group, channel)

    async def group_send(self, group: str, message: dict) -> None:
        self._check()
        await super().group_send(group, message)


@pytest.fixture
def flaky_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": f"{FlakyLayer.__module__}.{FlakyLayer.__qualname__}"}
    }
    FlakyLayer.down = FlakyLayer.groups_down = False
    yield FlakyLayer
    FlakyLayer.down = FlakyLayer.groups_down = False


async def _ping(socket) -> dict:
    """Send a ping; the pong, or the close the socket answered with."""
    await socket.send_to(text_data=json.dumps({"action": "ping"}))
    while True:
        output = await socket.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output
        frame = json.loads(output["text"])
        if frame["type"] == "pong":
            return frame


def _post(room, author, client_id):
    return actions.post_message(room=room, author=author, body="hello", client_id=client_id)


async def test_a_socket_opened_without_a_layer_is_closed_with_1012_once_it_answers(
    alice, bob, general, flaky_layer
):
    flaky_layer.down = True
    async with connected(alice, general) as socket:
        assert socket.accepted
        await frames_until(socket, "synced")
        # still down: the socket stays open and answers
        assert (await _ping(socket))["type"] == "pong"
        assert (await _ping(socket))["type"] == "pong"

        flaky_layer.down = False
        closed = await _ping(socket)
        assert closed["type"] == "websocket.close"
        assert closed["code"] == 1012

    # the client comes back on a channel: live frames reach it again
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(_post)(general, bob, "back1")
        (message,) = await frames_until(socket, "message")
        assert message["seq"] == 1


async def test_a_socket_that_could_not_join_joins_at_its_next_ping(
    alice, bob, general, flaky_layer
):
    flaky_layer.groups_down = True
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(_post)(general, bob, "missed1")
        # not in the room's group yet: the message is not pushed (catch-up would find it)
        assert [f for f in await drain(socket, quiet=0.3) if f["type"] == "message"] == []

        flaky_layer.groups_down = False
        pong = await _ping(socket)
        assert pong["type"] == "pong"  # joined, not closed
        await database_sync_to_async(_post)(general, bob, "live1")
        seen = await frames_until(socket, "message")
        assert seen[-1]["seq"] == 2
