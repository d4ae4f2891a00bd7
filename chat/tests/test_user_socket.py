"""/ws/me/: unread counts of followed rooms and @mentions reach every page, live."""

import json

import pytest
from channels.db import database_sync_to_async

from chat import actions
from chat.models import RoomVisit
from chat.tests.conftest import connected, frames_until, outcome
from nexus_live import events

pytestmark = pytest.mark.django_db(transaction=True)


def _post(room, author, body, client_id):
    actions.post_message(room=room, author=author, body=body, client_id=client_id)


async def opened(socket) -> dict:
    """The first frame: the navigation's counts as they are when the socket opens."""
    frame = json.loads(await socket.receive_from())
    assert frame["type"] == "state"
    return frame


async def test_anonymous_is_refused(general):
    async with connected(None, None) as socket:
        assert await outcome(socket) == 4401


async def test_it_counts_activity_in_followed_rooms_only(alice, bob, general, private_room):
    await database_sync_to_async(RoomVisit.objects.create)(room=general, user=bob)
    async with connected(bob, None) as socket:
        await opened(socket)
        await database_sync_to_async(_post)(general, alice, "hi", "c1")
        await database_sync_to_async(_post)(private_room, alice, "not followed", "c2")
        frame = json.loads(await socket.receive_from())
        assert frame["type"] == "activity" and (frame["room"], frame["seq"]) == (general.pk, 1)
        assert frame["data"] == {"room": general.pk, "seq": 1}
        assert await socket.receive_nothing(timeout=0.2)


async def test_a_first_visit_follows_the_room_from_then_on(alice, bob, general):
    async with connected(bob, None) as socket:
        await opened(socket)
        await database_sync_to_async(actions.mark_read)(room=general, user=bob, seq=0)
        assert json.loads(await socket.receive_from())["type"] == "read"
        await database_sync_to_async(_post)(general, alice, "hi", "c1")
        frame = json.loads(await socket.receive_from())
        assert (frame["type"], frame["room"], frame["seq"]) == ("activity", general.pk, 1)


async def test_a_burst_of_posts_reaches_followers_as_one_count(alice, bob, general, settings):
    """Unread counts state the newest seq: posts from sockets are coalesced per room, so a
    burst costs every follower's tab one frame, with the highest seq."""
    settings.CHAT_RATE_BURST = 100
    await database_sync_to_async(RoomVisit.objects.create)(room=general, user=bob)
    async with connected(bob, None) as follower, connected(alice, general) as room:
        await opened(follower)
        await frames_until(room, "synced")
        for i in range(5):
            await room.send_to(
                text_data=json.dumps({"action": "post", "client_id": f"b{i}", "body": "hi"})
            )
            await frames_until(room, "ack")
        assert await follower.receive_nothing(timeout=events.COALESCE_SECONDS / 2)
        frame = json.loads(await follower.receive_from(timeout=events.COALESCE_SECONDS * 2))
        assert (frame["type"], frame["room"], frame["seq"]) == ("activity", general.pk, 5)
        assert await follower.receive_nothing(timeout=events.COALESCE_SECONDS * 1.5)


async def test_it_opens_with_the_counts_as_they_are_now(alice, bob, general, private_room):
    """A page rendered a while ago, or a socket back from being away, missed what happened
    meanwhile: the first frame says where things stand."""
    await database_sync_to_async(RoomVisit.objects.create)(room=general, user=bob)
    for i in range(3):
        await database_sync_to_async(_post)(general, alice, f"m{i} @bob", f"c{i}")
    async with connected(bob, None) as socket:
        assert await opened(socket) == {
            "type": "state",
            "rooms": {str(general.pk): [3, 0]},
            "mentions": 3,
            "mentioned": {str(general.pk): [3, 2, 1]},  # all three unread: the room's badge
            "direct": [],
        }


async def test_a_mention_arrives_with_the_unseen_count(alice, bob, general):
    async with connected(bob, None) as socket:
        await opened(socket)
        await database_sync_to_async(_post)(general, alice, "ping @bob", "c1")
        frame = json.loads(await socket.receive_from())
        assert frame["type"] == "mention" and frame["count"] == 1
        assert frame["data"]["author"] == "Alice" and frame["data"]["room"] == "general"
        assert (frame["room"], frame["seq"]) == (general.pk, 1)  # which room's badge, and where


async def test_frames_sent_to_it_get_an_error(bob):
    async with connected(bob, None) as socket:
        await opened(socket)
        await socket.send_to(text_data='{"action": "post", "body": "hi"}')
        assert json.loads(await socket.receive_from())["code"] == "unknown_action"
