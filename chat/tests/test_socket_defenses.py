"""What an attacker or a bad connection does to a room socket: hostile frames, floods of
`sync`, reactions and typing, a client gone mid-send, and changes of who the person is."""

import asyncio
import json
import socket as socket_module
import time

import pytest
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import reverse

from accounts import actions as team_actions
from boards import actions as board_actions
from boards.tests.test_consumer import on_board
from chat import actions
from chat.models import Message
from chat.tests.conftest import connected, frames_until
from conftest import PASSWORD
from nexus_live import presence

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "a-new-Pass-2026!"


async def _close_code(socket, within: float = 1.0) -> int | None:
    """The code the socket is closed with within `within` seconds (frames before it skipped)."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            output = await socket.receive_output(timeout=left)
        except TimeoutError:
            return None
        if output["type"] == "websocket.close":
            return output["code"]
    return None


async def _still_answers(socket) -> None:
    await socket.send_to(text_data='{"action": "ping"}')
    await frames_until(socket, "pong")


# --- Hostile frames ----------------------------------------------------------------------------
async def test_deeply_nested_json_gets_an_error_frame(alice, general):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data="[" * 5000 + "]" * 5000)
        assert (await frames_until(socket, "error"))[-1]["code"] == "bad_frame"
        await _still_answers(socket)


@pytest.mark.parametrize("field", ["body", "client_id"])
async def test_a_lone_surrogate_gets_an_invalid_frame_and_writes_nothing(alice, general, field):
    frame = {"action": "post", "client_id": "s1", "body": "hi"}
    frame[field] = "\ud800"
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data=json.dumps(frame))
        assert (await frames_until(socket, "error"))[-1]["code"] == "invalid"
        await _still_answers(socket)
    assert not await database_sync_to_async(Message.objects.exists)()


# --- Floods ------------------------------------------------------------------------------------
async def test_catch_up_from_far_behind_is_one_reset_frame(alice, general):
    """A client 1,000 events behind is told to reload over HTTP, not sent 1,000 frames."""
    await database_sync_to_async(_many_messages)(general, alice, 1000)
    async with connected(alice, general, since=0) as socket:
        frames = await frames_until(socket, "reset", wait=5)
        assert [frame["type"] for frame in frames] == ["reset"]


def _many_messages(room, author, count: int) -> None:
    Message.objects.bulk_create(
        Message(room=room, seq=i, event=i, author=author, client_id=f"m{i}", body="x")
        for i in range(1, count + 1)
    )
    type(room).objects.filter(pk=room.pk).update(last_seq=count, last_event=count)


async def test_sync_is_rate_limited_per_socket(alice, general):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        answers = []
        for _ in range(5):
            await socket.send_to(text_data='{"action": "sync", "since": 0}')
            frame = (await frames_until(socket, "synced" if len(answers) < 3 else "error"))[-1]
            answers.append(frame.get("code", frame["type"]))
            if frame["type"] == "error":
                break
        assert answers == ["synced", "synced", "synced", "rate_limited"]
        await _still_answers(socket)


async def test_reactions_are_rate_limited_like_posts(alice, general, settings):
    settings.CHAT_RATE_BURST, settings.CHAT_RATE_INTERVAL = 3, 60
    message = await database_sync_to_async(actions.post_message)(
        room=general, author=alice, body="react to me", client_id="r"
    )
    frame = json.dumps({"action": "react", "id": message.message.pk, "emoji": "👍"})
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        kinds = []
        for _ in range(4):
            await socket.send_to(text_data=frame)
            kinds.append(
                (
                    await frames_until(
                        socket, "message_changed" if len(kinds) < 3 else "error", wait=10
                    )
                )[-1]
            )
        assert [k["type"] for k in kinds] == ["message_changed"] * 3 + ["error"]
        assert kinds[-1]["code"] == "rate_limited" and kinds[-1]["retry_after"] > 0


async def test_a_burst_of_typing_reaches_the_others_once(alice, bob, general):
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(b, "synced")
        await frames_until(a, "synced")
        for _ in range(20):
            await a.send_to(text_data='{"action": "typing"}')
        await _still_answers(a)  # every typing frame has been handled by now
        await asyncio.sleep(0.2)
        typing = 0
        while not await b.receive_nothing(timeout=0.3):
            typing += json.loads(await b.receive_from())["type"] == "typing"
        assert typing == 1


# --- A client gone mid-send --------------------------------------------------------------------
async def test_a_send_to_a_closed_client_still_leaves_the_online_list(
    alice, bob, general, monkeypatch
):
    """Daphne raises "Attempt to send on a closed protocol" when a frame goes to a client that
    just left; that must not skip disconnect() and leave a ghost in the Online list."""
    space = f"room:{general.pk}"
    gone, tried = {"on": False}, []
    send = AsyncWebsocketConsumer.send

    async def closed_protocol(self, *args, **kwargs):
        if gone["on"] and getattr(self, "user", None) == alice:
            tried.append(args or kwargs)
            raise RuntimeError("Attempt to send on a closed protocol")
        return await send(self, *args, **kwargs)

    monkeypatch.setattr(AsyncWebsocketConsumer, "send", closed_protocol)
    async with connected(bob, general) as b:
        await frames_until(b, "synced")
        async with connected(alice, general) as a:
            await frames_until(a, "synced")
            gone["on"] = True
            await database_sync_to_async(actions.post_message)(
                room=general, author=bob, body="to a gone client", client_id="g1"
            )
            await frames_until(b, "message")
            await asyncio.sleep(0.2)
            assert tried, "the room's frame went to the gone client"
        assert await presence.online(space) == {bob.pk}


# --- Who the person is, and what they may see, changes ----------------------------------------
async def test_a_password_change_closes_the_other_sessions_sockets(client, alice, general):
    async with connected(alice, general) as room, connected(alice, None) as me:
        await frames_until(room, "synced")
        await frames_until(me, "state")
        await database_sync_to_async(client.force_login)(alice)
        response = await database_sync_to_async(client.post)(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-Pass-2026!",
                "password2": "a-new-Pass-2026!",
            },
        )
        assert response.status_code == 302
        assert await _close_code(room) == 4401
        assert await _close_code(me) == 4401


async def test_a_deactivation_closes_every_socket_of_the_person(alice, bob, general, team):
    board = await database_sync_to_async(board_actions.create_board)(
        user=alice, name="Ours", team=team
    )

    def deactivate():
        bob.is_active = False
        bob.save(update_fields=["is_active"])
        team_actions.credentials_changed(user=bob)

    async with (
        connected(bob, general) as room,
        connected(bob, None) as me,
        on_board(bob, board) as on_the_board,
    ):
        await frames_until(room, "synced")
        await frames_until(me, "state")
        await frames_until(on_the_board, "synced")
        await database_sync_to_async(deactivate)()
        assert await _close_code(room) == 4401
        assert await _close_code(me) == 4401
        assert await _close_code(on_the_board) == 4401


async def test_removal_from_a_team_recounts_the_navigation_at_once(alice, bob, private_room):
    """/ws/me/ follows the person's access: a removed member stops seeing (and hearing of)
    the private room's unread count."""
    await database_sync_to_async(actions.mark_read)(room=private_room, user=bob, seq=0)
    await database_sync_to_async(actions.post_message)(
        room=private_room, author=alice, body="before", client_id="b1"
    )
    async with connected(bob, None) as me:
        assert (await frames_until(me, "state"))[-1]["rooms"] == {str(private_room.pk): [1, 0]}
        await database_sync_to_async(team_actions.remove_member)(
            team=private_room.team, user=alice, member=bob
        )
        state = (await frames_until(me, "state"))[-1]
        assert state["rooms"] == {}
        await database_sync_to_async(actions.post_message)(
            room=private_room, author=alice, body="after", client_id="b2"
        )
        assert await me.receive_nothing(timeout=1.5)  # past the coalescing window


async def test_an_unknown_frame_on_the_person_socket_keeps_it_open(bob):
    async with connected(bob, None) as me:
        await frames_until(me, "state")
        await me.send_to(text_data="not json")
        assert (await frames_until(me, "error"))[-1]["code"] == "bad_frame"
        await _still_answers(me)


# --- The channel layer is down -----------------------------------------------------------------
async def test_with_the_channel_layer_down_a_socket_opens_and_posts_are_stored(
    alice, general, settings
):
    """Redis (the channel layer) unreachable: the handshake still succeeds, a post still
    reaches the database and its sender gets the acknowledgement; only live frames wait."""
    with socket_module.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{port}/0"}]},
        }
    }
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data='{"action": "post", "client_id": "down1", "body": "hi"}')
        ack = (await frames_until(socket, "ack", wait=5))[-1]
        assert ack["created"] is True
    assert await database_sync_to_async(Message.objects.filter(client_id="down1").exists)()


@pytest.mark.parametrize(
    "cookie",
    [b'sessionid="\\000abcdefghijklmnop"', b"sessionid=" + b"a" * 5000, b"sessionid", b"=;;"],
)
async def test_a_hostile_session_cookie_is_signed_out_not_a_crash(general, cookie):
    """The socket reads its cookie itself now: a quoted octal NUL (RFC 2109 unquoting makes it
    a real one) is what the HTTP side answers 400 to; here it is 4401, not a database error."""
    from channels.testing import WebsocketCommunicator

    from chat.tests.conftest import HOST, ORIGIN, outcome
    from nexus_live.asgi import application

    socket = WebsocketCommunicator(
        application, "/ws/rooms/general/", headers=[ORIGIN, HOST, (b"cookie", cookie)]
    )
    socket.accepted, _ = await socket.connect()
    try:
        assert await outcome(socket) == 4401
    finally:
        await socket.disconnect()
