"""Group commit: the plain posts of many sockets written together keep every guarantee of a
post written alone (gapless seqs, one row per client id, events after commit, each socket's
posts in order, one bad post refused alone)."""

import asyncio
import json
from contextlib import AsyncExitStack

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection

from chat import actions, consumers
from chat.models import Message, Room
from chat.tests.conftest import connected, frames_until
from conftest import make_person
from nexus_live import events, writes
from nexus_live.ratelimit import RateLimited

pytestmark = pytest.mark.django_db(transaction=True)

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the batched statement is PostgreSQL's"
)
SOCKETS = 8
POSTS = 3  # per socket, sent at once: the socket handles them one after the other


@pytest.fixture
def batches(monkeypatch) -> list[int]:
    """The size of every batch written; a window long enough that a test's posts meet."""
    sizes: list[int] = []
    action = consumers.post_together.action

    def spy(items):
        sizes.append(len(items))
        return action(items)

    monkeypatch.setattr(consumers.post_together, "action", spy)
    monkeypatch.setattr(writes.Batch, "WINDOW", 0.3)
    return sizes


@pytest.fixture
def published_after_commit(monkeypatch) -> list[int]:
    """Seqs of the message frames published, each checked committed (read from another
    connection) at the moment it leaves."""
    seqs: list[int] = []
    publish = events.publish

    async def check(group: str, event: dict) -> None:
        texts = event.get("frames") or [event.get("frame") or "{}"]
        for frame in map(json.loads, texts):
            if frame.get("type") == "message":
                committed = await database_sync_to_async(
                    Message.objects.filter(pk=frame["id"], seq=frame["seq"]).exists
                )()
                assert committed, f"seq {frame['seq']} published before its commit"
                seqs.append(frame["seq"])
        await publish(group, event)

    monkeypatch.setattr(events, "publish", check)
    return seqs


def _post(client_id: str, body: object = "plain words") -> str:
    return json.dumps({"action": "post", "client_id": client_id, "body": body})


async def _read(socket, replies: int, messages: int) -> tuple[list[dict], list[int]]:
    """The next `replies` acks and errors, and the seqs of the next `messages` message
    frames, each in the order they came."""
    got: tuple[list[dict], list[int]] = ([], [])
    while len(got[0]) < replies or len(got[1]) < messages:
        frame = json.loads(await socket.receive_from(timeout=5))
        if frame["type"] in ("ack", "error"):
            got[0].append(frame)
        elif frame["type"] == "message":
            got[1].append(frame["seq"])
    return got


async def _replies(socket, count: int) -> list[dict]:
    """The next `count` acks and errors, in the order they came."""
    replies = []
    while len(replies) < count:
        frame = json.loads(await socket.receive_from(timeout=5))
        if frame["type"] in ("ack", "error"):
            replies.append(frame)
    return replies


@ON_POSTGRESQL
async def test_posts_from_many_sockets_are_written_together_and_keep_every_guarantee(
    alice, batches, published_after_commit
):
    people = await database_sync_to_async(
        lambda: [make_person(f"p{i}@example.com", f"P{i}") for i in range(SOCKETS)]
    )()
    room = await database_sync_to_async(Room.objects.create)(
        name="busy", slug="busy", created_by=alice
    )
    closed = await database_sync_to_async(Room.objects.create)(
        name="closing", slug="closing", created_by=alice
    )
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connected(p, room)) for p in people]
        twin = await stack.enter_async_context(connected(people[0], room))  # a second tab
        late = await stack.enter_async_context(connected(alice, closed))
        for socket in [*sockets, twin, late]:
            await frames_until(socket, "synced")
        # Archived by someone else: this socket does not know yet; the statement refuses it.
        await database_sync_to_async(Room.objects.filter(pk=closed.pk).update)(is_archived=True)

        for i, socket in enumerate(sockets):
            for k in range(POSTS):
                body = "" if (i, k) == (3, 1) else f"post {k} of {i}"  # one invalid post
                await socket.send_to(text_data=_post(f"s{i}-{k}", body))
        await twin.send_to(text_data=_post("s0-0", "the same client id from another tab"))
        await late.send_to(text_data=_post("late-1"))

        read = await asyncio.gather(*(_read(s, POSTS, SOCKETS * POSTS - 1) for s in sockets))
        replies = [replies for replies, _ in read]
        seen = [seqs for _, seqs in read]
        (twin_reply,) = await _replies(twin, 1)
        (late_reply,) = await _replies(late, 1)

    assert max(batches) >= SOCKETS, batches  # the sockets' posts did meet in one write
    assert late_reply["type"] == "error"
    assert late_reply["code"] == "forbidden"
    assert late_reply["client_id"] == "late-1"
    assert twin_reply["type"] == "ack"
    assert twin_reply["client_id"] == "s0-0"

    invalid = replies[3][1]
    assert invalid["type"] == "error"
    assert invalid["code"] == "invalid"
    assert invalid["client_id"] == "s3-1"
    acks = [r for rs in replies for r in rs if r["type"] == "ack"]
    assert len(acks) == SOCKETS * POSTS - 1

    rows = await database_sync_to_async(
        lambda: list(Message.objects.filter(room=room).values_list("seq", "client_id"))
    )()
    seqs = sorted(seq for seq, _ in rows)
    assert seqs == list(range(1, SOCKETS * POSTS))  # gapless, none taken by the invalid post
    client_ids = [client_id for _, client_id in rows]
    assert len(client_ids) == len(set(client_ids))  # one row per client id, twin included
    assert "s3-1" not in client_ids
    by_client_id = dict((c, s) for s, c in rows)
    assert twin_reply["seq"] == by_client_id["s0-0"]
    assert [twin_reply["created"], replies[0][0]["created"]].count(True) == 1
    for i in range(SOCKETS):  # each socket's posts in the order it sent them
        own = [by_client_id[f"s{i}-{k}"] for k in range(POSTS) if (i, k) != (3, 1)]
        assert own == sorted(own)
    assert not await database_sync_to_async(Message.objects.filter(room=closed).exists)()
    assert sorted(published_after_commit) == seqs  # each new message published once
    for got in seen:  # every socket got every message once, in seq order
        assert got == seqs
    room_state = await database_sync_to_async(Room.objects.get)(pk=room.pk)
    assert room_state.last_seq == SOCKETS * POSTS - 1


async def test_a_retry_through_the_batch_is_answered_by_the_first_message(alice, general):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data=_post("again", "once"))
        await socket.send_to(text_data=_post("again", "once"))
        first, second = await _replies(socket, 2)
    assert (first["type"], second["type"]) == ("ack", "ack")
    assert (first["created"], second["created"]) == (True, False)
    assert first["seq"] == second["seq"] == 1
    assert await database_sync_to_async(Message.objects.filter(room=general).count)() == 1


@ON_POSTGRESQL
def test_a_rate_limited_or_invalid_post_is_refused_alone_and_a_retry_finds_its_message(
    alice, bob, general, settings
):
    settings.CHAT_RATE_BURST, settings.CHAT_RATE_INTERVAL = 1, 60.0
    first = actions.post_messages(
        [
            actions.NewPost(general, alice, "one", "a1"),
            actions.NewPost(general, alice, "two", "a2"),  # alice's allowance is spent
            actions.NewPost(general, bob, "three", "b1"),
            actions.NewPost(general, bob, "four", "not a client id"),
        ]
    )
    assert isinstance(first[0], actions.Posted)
    assert isinstance(first[1], RateLimited)
    assert isinstance(first[2], actions.Posted)
    assert isinstance(first[3], ValidationError)
    assert [first[0].message.seq, first[2].message.seq] == [1, 2]

    again = actions.post_messages(
        [actions.NewPost(general, alice, "one", "a1"), actions.NewPost(general, bob, "", "b2")]
    )
    assert isinstance(again[0], actions.Posted)  # rate limited, but a retry: the message it made
    assert again[0].created is False
    assert again[0].message.seq == 1
    assert isinstance(again[1], ValidationError)
    assert list(Message.objects.order_by("seq").values_list("seq", "client_id")) == [
        (1, "a1"),
        (2, "b1"),
    ]
