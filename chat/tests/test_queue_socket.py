"""/ws/queue/: a mentor's help queue, live (decision 023). A new question appears, a claim
shows, a resolved one leaves, for every mentor who may see its room and nobody else."""

import json
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import Membership, Role
from chat import actions
from chat.models import Message
from chat.tests.conftest import HOST, ORIGIN, _session_cookie, outcome
from conftest import make_person
from nexus_live.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _mentor(email, name, team=None):
    person = make_person(email, name)
    person.track = "mentor"
    person.save()
    if team is not None:
        Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def maya(team):
    return _mentor("maya@example.com", "Maya", team)


@pytest.fixture
def otto(db):
    return _mentor("otto@example.com", "Otto")


@asynccontextmanager
async def queue_socket(user):
    cookie = await database_sync_to_async(_session_cookie)(user)
    communicator = WebsocketCommunicator(
        application, "/ws/queue/", headers=[ORIGIN, HOST, (b"cookie", cookie)]
    )
    ok, _ = await communicator.connect()
    communicator.accepted = ok
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def next_frame(socket, wait: float = 2) -> dict:
    return json.loads(await socket.receive_from(timeout=wait))


def _ask(room, who, body, key):
    return actions.post_message(room=room, author=who, body=body, client_id=key).message


async def test_a_new_question_a_claim_and_a_resolve_reach_every_mentor(bob, maya, otto, general):
    async with queue_socket(maya) as first, queue_socket(otto) as second:
        for socket in (first, second):
            opened = await next_frame(socket)
            assert opened["type"] == "queue" and opened["data"] == {"questions": []}
        question = await database_sync_to_async(_ask)(general, bob, "How do I page?", "q1")
        for socket in (first, second):
            frame = await next_frame(socket)
            assert frame["type"] == "queue_item" and frame["id"] == question.pk
            assert f'id="queue-item-{question.pk}"' in frame["html"]
            assert frame["data"]["title"] == "How do I page?" and frame["data"]["claims"] == []
        claimed = await database_sync_to_async(actions.claim_question)(message=question, user=maya)
        for socket in (first, second):
            frame = await next_frame(socket)
            assert frame["type"] == "queue_item" and frame["event"] == claimed.event
            assert frame["data"]["claims"][0]["user"] == {"id": maya.pk, "name": "Maya"}
            assert "Maya is on it" in frame["html"]
        fresh = await database_sync_to_async(Message.objects.select_related("room").get)(
            pk=question.pk
        )
        await database_sync_to_async(actions.resolve_thread)(message=fresh, user=bob)
        for socket in (first, second):
            frame = await next_frame(socket)
            assert (frame["type"], frame["id"]) == ("queue_removed", question.pk)
            assert await socket.receive_nothing(timeout=0.2)


async def test_a_reply_updates_the_question_and_plain_chat_sends_nothing(alice, bob, maya, general):
    question = await database_sync_to_async(_ask)(general, bob, "Why 502?", "q1")
    async with queue_socket(maya) as socket:
        opened = await next_frame(socket)
        assert [q["id"] for q in opened["data"]["questions"]] == [question.pk]
        await database_sync_to_async(_ask)(general, alice, "good morning", "chat")
        await database_sync_to_async(actions.toggle_reaction)(
            message=question, user=alice, emoji="👍"
        )  # nothing the queue shows changed
        assert await socket.receive_nothing(timeout=0.3)
        await database_sync_to_async(actions.post_message)(
            room=general, author=alice, body="The proxy.", client_id="r1", parent=question
        )
        frame = await next_frame(socket)
        assert frame["type"] == "queue_item" and frame["data"]["replied"] is True
        assert frame["data"]["reply_count"] == 1


async def test_a_private_rooms_questions_reach_only_mentors_who_see_it(
    bob, maya, otto, private_room
):
    async with queue_socket(maya) as member, queue_socket(otto) as outsider:
        await next_frame(member)
        await next_frame(outsider)
        await database_sync_to_async(_ask)(private_room, bob, "Secret?", "q1")
        assert (await next_frame(member))["type"] == "queue_item"
        assert await outsider.receive_nothing(timeout=0.3)


async def test_a_socket_follows_a_membership_removed(bob, maya, team, private_room):
    async with queue_socket(maya) as socket:
        await next_frame(socket)
        await database_sync_to_async(actions.post_message)(
            room=private_room, author=bob, body="Why?", client_id="q1"
        )
        assert (await next_frame(socket))["type"] == "queue_item"

        def remove():
            from nexus_live import events

            Membership.objects.filter(user=maya, team=team).delete()
            events.access_changed(maya.pk)

        await database_sync_to_async(remove)()
        again = await next_frame(socket)
        assert again["type"] == "queue" and again["data"]["questions"] == []
        await database_sync_to_async(_ask)(private_room, bob, "Still secret?", "q2")
        assert await socket.receive_nothing(timeout=0.3)


@pytest.mark.parametrize("who", ["alice", "bob"])
async def test_non_mentors_are_refused(alice, bob, who):
    async with queue_socket({"alice": alice, "bob": bob}[who]) as socket:
        assert await outcome(socket) == 4403


async def test_claiming_over_the_socket_and_bad_frames(bob, maya, general):
    question = await database_sync_to_async(_ask)(general, bob, "How?", "q1")
    async with queue_socket(maya) as socket:
        await next_frame(socket)
        await socket.send_to(text_data=json.dumps({"action": "claim", "id": question.pk}))
        frame = await next_frame(socket)
        assert frame["type"] == "queue_item" and len(frame["data"]["claims"]) == 1
        for bad in ({"action": "claim", "id": "x"}, {"action": "claim", "id": 999999}):
            await socket.send_to(text_data=json.dumps(bad))
            error = await next_frame(socket)
            assert error["type"] == "error" and error["code"] in ("invalid", "not_found")


async def test_an_archived_rooms_questions_leave_every_queue(alice, bob, maya, general):
    question = await database_sync_to_async(_ask)(general, bob, "How?", "q1")
    async with queue_socket(maya) as socket:
        assert len((await next_frame(socket))["data"]["questions"]) == 1
        await database_sync_to_async(actions.archive_room)(room=general, user=alice)
        again = await next_frame(socket)
        assert again["type"] == "queue" and again["data"]["questions"] == []
        await database_sync_to_async(actions.archive_room)(room=general, user=alice, archived=False)
        back = await next_frame(socket)
        assert [q["id"] for q in back["data"]["questions"]] == [question.pk]


# --- The API's events socket: {"action": "subscribe", "queue": true} ----------------------------
@asynccontextmanager
async def api_socket(user):
    from api import tokens

    token = (await database_sync_to_async(tokens.sign_in)(user)).access
    communicator = WebsocketCommunicator(
        application, "/ws/v1/events/", headers=[(b"origin", b"https://app.example"), HOST]
    )
    await communicator.connect()
    await communicator.send_to(text_data=json.dumps({"action": "auth", "token": token}))
    assert (await next_frame(communicator))["type"] == "ready"
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def test_api_clients_subscribe_to_the_queue(bob, maya, general):
    async with api_socket(maya) as socket:
        await socket.send_to(text_data=json.dumps({"action": "subscribe", "queue": True}))
        assert (await next_frame(socket)) == {"type": "subscribed", "queue": True}
        whole = await next_frame(socket)
        assert whole["type"] == "queue" and whole["queue"] is True and "html" not in whole
        question = await database_sync_to_async(_ask)(general, bob, "How?", "q1")
        frame = await next_frame(socket)
        assert frame["type"] == "queue_item" and frame["data"]["id"] == question.pk
        assert "html" not in frame and frame["queue"] is True


async def test_api_clients_who_are_not_mentors_are_refused_the_queue(bob):
    async with api_socket(bob) as socket:
        await socket.send_to(text_data=json.dumps({"action": "subscribe", "queue": True}))
        error = await next_frame(socket)
        assert (error["type"], error["code"]) == ("error", "forbidden")


# --- GraphQL: subscription { helpQueue { … } } ---------------------------------------------------
QUEUE_GQL = """subscription { helpQueue { type id question { id title claims { user { name } } }
  questions { id } } }"""


async def test_graphql_subscribers_follow_the_queue(bob, maya, team, private_room):
    from api.tests.test_graphql_socket import acked, init, next_event, receive, socket, subscribe
    from api.tests.test_graphql_socket import token_of as gql_token

    async with socket() as communicator:
        assert acked(await init(communicator, await gql_token(maya)))
        await subscribe(communicator, QUEUE_GQL)
        assert (await next_event(communicator))["helpQueue"]["questions"] == []
        question = await database_sync_to_async(_ask)(private_room, bob, "Why?", "q1")
        item = (await next_event(communicator))["helpQueue"]
        assert item["type"] == "queue_item" and item["question"]["title"] == "Why?"
        await database_sync_to_async(actions.claim_question)(message=question, user=maya)
        item = (await next_event(communicator))["helpQueue"]
        assert item["question"]["claims"] == [{"user": {"name": "Maya"}}]

        def leave():
            from nexus_live import events

            Membership.objects.filter(user=maya, team=team).delete()
            events.access_changed(maya.pk)

        await database_sync_to_async(leave)()
        assert (await next_event(communicator))["helpQueue"]["questions"] == []
        await database_sync_to_async(_ask)(private_room, bob, "Still?", "q2")
        assert await communicator.receive_nothing(timeout=0.3)

    async with socket() as communicator:  # a learner is refused
        assert acked(await init(communicator, await gql_token(bob)))
        await subscribe(communicator, QUEUE_GQL)
        refused = await receive(communicator)
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["forbidden"], refused
