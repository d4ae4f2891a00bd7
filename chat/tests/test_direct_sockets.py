"""Direct messages and pins over the sockets: members only, live, one `pins` frame for all."""

import json

import pytest
from channels.db import database_sync_to_async

from chat import actions
from chat.models import Message
from chat.tests.conftest import connected, drain, frames_until, outcome

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dm(alice, bob):
    return actions.open_direct(alice, [bob])


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 4401), ("charlie", 4403), ("vera", 4403), ("bob", "open"), ("alice", "open")],
)
async def test_who_may_connect_to_a_dm(alice, bob, vera, charlie, team, dm, who, expected):
    people = {"anonymous": None, "alice": alice, "bob": bob, "vera": vera, "charlie": charlie}
    async with connected(people[who], dm) as socket:
        assert await outcome(socket) == expected


async def test_a_dm_message_reaches_the_other_member_live(alice, bob, dm):
    async with connected(alice, dm) as a, connected(bob, dm) as b:
        await frames_until(a, "synced")
        await frames_until(b, "synced")
        await a.send_to(text_data=json.dumps({"action": "post", "client_id": "d1", "body": "hi"}))
        (seen,) = await frames_until(b, "message", wait=5)
        assert seen["data"]["body"] == "hi" and seen["data"]["room"] == dm.pk


async def test_a_new_dm_is_followed_at_once_by_the_other_persons_open_tab(alice, bob):
    async with connected(bob, None) as me:
        await frames_until(me, "state")
        room = await database_sync_to_async(actions.open_direct)(alice, [bob])
        (read,) = await frames_until(me, "read")
        assert (read["room"], read["seq"]) == (room.pk, 0)
        await database_sync_to_async(actions.post_message)(
            room=room, author=alice, body="hello", client_id="n1"
        )
        frames = await frames_until(me, "activity")  # the unread count, live
        assert [f["type"] for f in frames] == ["direct", "activity"]  # its row, then the count
        activity = frames[-1]
        assert (activity["room"], activity["seq"]) == (room.pk, 1)


async def test_an_outsiders_me_socket_hears_nothing_of_a_dm(alice, bob, charlie):
    async with connected(charlie, None) as me:
        await frames_until(me, "state")
        room = await database_sync_to_async(actions.open_direct)(alice, [bob])
        await database_sync_to_async(actions.post_message)(
            room=room, author=alice, body="@charlie psst", client_id="n1"
        )
        assert await drain(me, quiet=0.5) == []


# --- Pins -------------------------------------------------------------------------------------
async def test_a_pin_reaches_everyone_in_the_room_as_one_pins_frame(alice, bob, dm):
    message = await database_sync_to_async(actions.post_message)(
        room=dm, author=alice, body="the plan", client_id="p1"
    )
    message = message.message
    async with connected(alice, dm) as a, connected(bob, dm) as b:
        await frames_until(a, "synced")
        await frames_until(b, "synced")
        await b.send_to(text_data=json.dumps({"action": "pin", "id": message.pk}))
        frames = await frames_until(a, "pins", wait=5)
        changed = next(f for f in frames if f["type"] == "message_changed")
        assert changed["data"]["pinned"] is True and "📌 Pinned" in changed["html"]
        pins = frames[-1]
        assert pins["event"] == changed["event"] and pins["room"] == dm.pk
        assert [p["id"] for p in pins["data"]["pinned"]] == [message.pk]
        assert "the plan" in pins["html"] and 'id="pins"' in pins["html"]
        assert (await frames_until(b, "pins"))[-1] == pins

        await a.send_to(text_data=json.dumps({"action": "pin", "id": message.pk, "pinned": False}))
        unpinned = (await frames_until(b, "pins"))[-1]
        assert unpinned["data"]["pinned"] == [] and "No pinned messages" in unpinned["html"]


async def test_a_member_who_may_not_pin_is_told_so(alice, bob, general):
    message = await database_sync_to_async(actions.post_message)(
        room=general, author=alice, body="pin me", client_id="p1"
    )
    async with connected(bob, general) as b:
        await frames_until(b, "synced")
        await b.send_to(text_data=json.dumps({"action": "pin", "id": message.message.pk}))
        (error,) = await frames_until(b, "error")
        assert error["code"] == "forbidden" and error["action"] == "pin"
    assert not await database_sync_to_async(
        Message.objects.filter(pinned_at__isnull=False).exists
    )()


async def test_pinning_a_message_of_another_room_is_not_found(alice, general, dm):
    elsewhere = await database_sync_to_async(actions.post_message)(
        room=general, author=alice, body="elsewhere", client_id="p1"
    )
    async with connected(alice, dm) as a:
        await frames_until(a, "synced")
        await a.send_to(text_data=json.dumps({"action": "pin", "id": elsewhere.message.pk}))
        (error,) = await frames_until(a, "error")
        assert error["code"] == "not_found"
        await a.send_to(text_data=json.dumps({"action": "pin", "id": "x"}))
        (error,) = await frames_until(a, "error")
        assert error["code"] in ("invalid", "bad_frame")
