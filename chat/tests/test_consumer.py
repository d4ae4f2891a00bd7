"""The room socket: who may connect, posting, catch-up by seq, retries, bad frames."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from chat import actions
from chat.models import Message, Room
from chat.tests.conftest import connected, drain, frames_until, outcome
from nexus_live import sockets

pytestmark = pytest.mark.django_db(transaction=True)


def _post(room, author, body, client_id):
    return actions.post_message(room=room, author=author, body=body, client_id=client_id)


async def _next_close(socket) -> dict:
    """The next output that is not a frame (presence frames may come first)."""
    output = await socket.receive_output(timeout=1)
    while output["type"] == "websocket.send":
        output = await socket.receive_output(timeout=1)
    return output


@pytest.mark.parametrize(
    ("who", "room_name", "expected"),
    [
        ("anonymous", "general", 4401),
        ("charlie", "general", "open"),
        ("anonymous", "private_room", 4401),
        ("charlie", "private_room", 4403),
        ("vera", "private_room", "open"),
        ("bob", "private_room", "open"),
        ("alice", "private_room", "open"),
    ],
)
async def test_who_may_connect(
    alice, bob, vera, charlie, general, private_room, who, room_name, expected
):
    """Refusals are accepted first, then closed with a code the browser can act on."""
    people = {"anonymous": None, "alice": alice, "bob": bob, "vera": vera, "charlie": charlie}
    room = {"general": general, "private_room": private_room}[room_name]
    user = people[who]
    async with connected(user, room) as socket:
        assert await outcome(socket) == expected


async def test_it_refuses_a_foreign_origin_that_would_otherwise_connect(alice, general):
    async with connected(alice, general, origin=(b"origin", b"https://evil.example")) as socket:
        assert socket.accepted is False
    async with connected(alice, general) as socket:
        assert socket.accepted is True


async def test_a_posted_message_reaches_everyone_in_the_room(alice, bob, general):
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(a, "synced")
        await frames_until(b, "synced")
        await a.send_to(
            text_data=json.dumps({"action": "post", "client_id": "c1", "body": "Hi *all*"})
        )
        frames = await frames_until(a, "message")  # the ack comes first, then the broadcast
        (seen_by_bob,) = await frames_until(b, "message")
        assert seen_by_bob["seq"] == 1
        assert "<em>all</em>" in seen_by_bob["html"]
        assert 'data-seq="1"' in seen_by_bob["html"]
        assert any(f["type"] == "ack" and f["client_id"] == "c1" for f in frames)


async def test_a_viewer_cannot_post_and_nothing_is_written(vera, private_room):
    async with connected(vera, private_room) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(
            text_data=json.dumps({"action": "post", "client_id": "v1", "body": "hi"})
        )
        (error,) = await frames_until(socket, "error")
        assert error["code"] == "forbidden"
        assert error["client_id"] == "v1"
    assert not await database_sync_to_async(Message.objects.exists)()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('{"body": "no action"}', "bad_frame"),
        ('{"action": "explode"}', "unknown_action"),
        ('{"action": "post", "client_id": "x1", "body": 42}', "invalid"),
        ('{"action": "post", "client_id": "x2", "body": "   "}', "invalid"),
        ('{"action": "post", "client_id": "bad id!", "body": "hi"}', "invalid"),
        ('{"action": "post", "client_id": "x3", "body": "' + "a" * 8001 + '"}', "invalid"),
        ('{"action": "sync", "since": "soon"}', "invalid"),
        ('{"action": "edit", "id": 999999, "body": "x"}', "not_found"),
        ('{"action": "post", "body": "' + "a" * 20000 + '"}', "too_large"),
    ],
)
async def test_bad_frames_get_a_clear_error_and_write_nothing(alice, bob, general, frame, code):
    async with connected(alice, general) as socket, connected(bob, general) as other:
        await frames_until(socket, "synced")
        await frames_until(other, "synced")
        await socket.send_to(text_data=frame)
        (error,) = await frames_until(socket, "error")
        assert error["code"] == code
        assert error["message"]
        # The socket still works, and the other client saw nothing.
        await socket.send_to(text_data='{"action": "ping"}')
        assert [f["type"] for f in await frames_until(socket, "pong")] == ["pong"]
        assert await drain(other) == []
    assert not await database_sync_to_async(Message.objects.exists)()


async def test_a_retry_with_the_same_client_id_stores_one_message(alice, general):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        for _ in range(3):
            await socket.send_to(
                text_data=json.dumps({"action": "post", "client_id": "same", "body": "once"})
            )
            await frames_until(socket, "ack")
    assert await database_sync_to_async(Message.objects.filter(client_id="same").count)() == 1


async def test_a_room_archived_while_the_socket_is_open_takes_no_more_posts(alice, general):
    """The socket's copy of the room is not trusted: the write itself refuses, and takes no
    seq (as when another process archived it)."""
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        archive = Room.objects.filter(pk=general.pk).update
        await database_sync_to_async(archive)(is_archived=True)
        await socket.send_to(
            text_data=json.dumps({"action": "post", "client_id": "late", "body": "x"})
        )
        error = (await frames_until(socket, "error"))[-1]
        assert (error["code"], error["client_id"]) == ("forbidden", "late")
        assert "archived" in error["message"]
    await database_sync_to_async(general.refresh_from_db)()
    assert general.last_seq == 0
    assert not await database_sync_to_async(Message.objects.exists)()


async def test_a_room_unarchived_while_the_socket_is_open_takes_posts_again(alice, general):
    archive = database_sync_to_async(actions.archive_room)
    await archive(room=general, user=alice)
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await archive(room=general, user=alice, archived=False)
        await frames_until(socket, "room")
        await socket.send_to(
            text_data=json.dumps({"action": "post", "client_id": "c", "body": "x"})
        )
        assert (await frames_until(socket, "ack"))[-1]["client_id"] == "c"


async def test_it_catches_up_after_a_dropped_socket_during_a_burst(alice, bob, general, settings):
    """Bob drops out mid-burst and reconnects with the last seq he had: every seq once, in order."""
    settings.CHAT_RATE_BURST = 1000
    post = database_sync_to_async(_post)
    async with connected(bob, general) as socket:
        await frames_until(socket, "synced")
        for i in range(1, 21):
            await post(general, alice, f"m{i}", f"a{i}")
        had = [f["seq"] for f in await frames_until(socket, "message") if f["type"] == "message"]
    for i in range(21, 61):
        await post(general, alice, f"m{i}", f"a{i}")
    last = max(had)

    async def burst():
        for i in range(61, 101):
            await post(general, alice, f"m{i}", f"a{i}")

    async with connected(bob, general, since=last) as socket:
        writer = asyncio.ensure_future(burst())
        received = []
        while len(set(received) | set(had)) < 100:
            frame = json.loads(await socket.receive_from(timeout=3))
            if frame["type"] == "message":
                received.append(frame["seq"])
        await writer
    new = [seq for seq in received if seq > last]
    assert sorted(set(new) | set(had)) == list(range(1, 101))
    assert all(seq not in had for seq in new[: 100 - last])  # catch-up starts after `since`


async def test_it_rate_limits_a_burst_with_a_clear_message(alice, general, settings):
    settings.CHAT_RATE_BURST, settings.CHAT_RATE_INTERVAL = 3, 60
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        codes = []
        for i in range(4):
            await socket.send_to(
                text_data=json.dumps({"action": "post", "client_id": f"r{i}", "body": "spam"})
            )
            frames = await frames_until(socket, "ack" if i < 3 else "error")
            codes.append(frames[-1]["type"])
        assert codes == ["ack", "ack", "ack", "error"]
        assert frames[-1]["code"] == "rate_limited"
        assert "too fast" in frames[-1]["message"]
        assert frames[-1]["client_id"] == "r3"
    assert await database_sync_to_async(Message.objects.count)() == 3


async def test_signing_out_closes_that_sessions_sockets(client, alice, general):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        cookie = dict(socket.scope["headers"])[b"cookie"].decode()
        client.cookies["sessionid"] = cookie.split("=", 1)[1]
        response = await database_sync_to_async(client.post)(reverse("account_logout"))
        assert response.status_code == 302
        assert await _next_close(socket) == {"type": "websocket.close", "code": 4401}


async def test_losing_access_closes_the_socket(alice, bob, private_room):
    from accounts import actions as team_actions

    async with connected(bob, private_room) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(team_actions.remove_member)(
            team=private_room.team, user=alice, member=bob
        )
        assert await _next_close(socket) == {"type": "websocket.close", "code": 4403}


async def test_a_viewer_made_member_may_post_without_reconnecting(alice, vera, private_room):
    from accounts import actions as team_actions

    async with connected(vera, private_room) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(team_actions.change_role)(
            team=private_room.team, user=alice, member=vera, role="member"
        )
        await drain(socket)
        await socket.send_to(
            text_data=json.dumps({"action": "post", "client_id": "v", "body": "hi"})
        )
        assert (await frames_until(socket, "ack"))[-1]["created"] is True


async def test_reading_and_mentions_do_not_disturb_the_room_socket(alice, bob, general):
    """Events for the person (read marks, mentions) go to /ws/me/, not to room sockets."""
    async with connected(bob, general) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(_post)(general, alice, "hey @bob", "m1")
        await frames_until(socket, "message")
        await socket.send_to(text_data='{"action": "read", "seq": 1}')
        await socket.send_to(text_data='{"action": "ping"}')
        assert [frame["type"] for frame in await frames_until(socket, "pong")] == ["pong"]


@pytest.mark.parametrize("since", ["²", "99999999999999999999999", "-1"])
async def test_odd_numbers_get_an_error_not_a_crash(alice, general, since):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data=json.dumps({"action": "sync", "since": since}))
        assert (await frames_until(socket, "error"))[-1]["code"] == "invalid"
        await socket.send_to(text_data='{"action": "ping"}')
        await frames_until(socket, "pong")


async def test_catch_up_brings_edits_and_deletes_made_while_away(alice, bob, general):
    def post(body, client_id):
        return actions.post_message(room=general, author=alice, body=body, client_id=client_id)

    kept = (await database_sync_to_async(post)("first", "a")).message
    gone = (await database_sync_to_async(post)("second", "b")).message
    async with connected(bob, general) as socket:
        last_event = (await frames_until(socket, "synced"))[-1]["event"]

    def meanwhile():
        actions.edit_message(message=kept, user=alice, body="first, edited")
        actions.delete_message(message=gone, user=alice)

    await database_sync_to_async(meanwhile)()
    async with connected(bob, general, since=last_event) as socket:
        frames = await frames_until(socket, "synced")
    changes = {f["id"]: f for f in frames if f["type"] == "message"}
    assert "first, edited" in changes[kept.pk]["html"]
    assert "This message was deleted." in changes[gone.pk]["html"]
    assert frames[-1]["event"] == last_event + 2


async def test_a_heartbeat_says_the_newest_event(alice, general, monkeypatch):
    monkeypatch.setattr(sockets, "HEARTBEAT", 0)
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await database_sync_to_async(actions.post_message)(
            room=general, author=alice, body="x", client_id="h"
        )
        await socket.send_to(text_data='{"action": "ping"}')
        assert (await frames_until(socket, "pong"))[-1]["event"] == 1
