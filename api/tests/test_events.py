"""/ws/v1/events/: signing in by the first frame, subscriptions to what one may see, the pages'
events as JSON, catch-up by event after a dropped socket, access changes, bad frames."""

import json
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts import actions as account_actions
from api import consumers, tokens
from boards import actions as board_actions
from boards.events import card_data
from boards.models import Card
from chat import actions as chat_actions
from chat import events as room_events
from chat.models import Room
from chat.tests.conftest import connected, frames_until
from nexus_live import events
from nexus_live.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

# Auth is by token, not cookie: a client served from anywhere may connect.
FOREIGN = [(b"origin", b"https://someone-elses-app.example"), (b"host", b"127.0.0.1")]


@pytest.fixture
def general(alice) -> Room:
    return chat_actions.create_room(user=alice, name="general")


@pytest.fixture
def private_room(team, alice) -> Room:
    return chat_actions.create_room(user=alice, name="nexus", team=team, is_private=True)


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Challenges", team=team)


@asynccontextmanager
async def events_socket(headers=FOREIGN, path="/ws/v1/events/"):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def access_token(user) -> str:
    return (await database_sync_to_async(tokens.sign_in)(user)).access


async def send(communicator, **frame) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=3))


async def until(communicator, kind: str) -> list[dict]:
    """Every frame up to and including the first of `kind`."""
    seen = [await receive(communicator)]
    while seen[-1]["type"] != kind:
        seen.append(await receive(communicator))
    return seen


async def closed_with(communicator) -> int:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output["code"]


@asynccontextmanager
async def signed_in(user):
    async with events_socket() as communicator:
        await send(communicator, action="auth", token=await access_token(user))
        assert await receive(communicator) == {"type": "ready", "user": user.pk}
        yield communicator


def post_over_rest(bearer, user, room, body: str, key: str) -> dict:
    response = bearer(user).post(
        f"/api/v1/rooms/{room.slug}/messages/",
        {"body": body},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- Signing in --------------------------------------------------------------------------------
async def test_it_signs_in_by_the_first_frame_from_any_origin(bob):
    async with signed_in(bob) as socket:
        await send(socket, action="ping")
        assert (await receive(socket))["type"] == "pong"


def _expired(user) -> str:
    from django.test import override_settings

    with override_settings(API_ACCESS_TOKEN_SECONDS=-60):
        return tokens.sign_in(user).access


def _revoked(user) -> str:
    access = tokens.sign_in(user).access
    tokens.revoke_all(user, because="test")
    return access


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda user: "not-a-token", "token_invalid"),
        (_expired, "token_expired"),
        (_revoked, "token_revoked"),
        (lambda user: None, "token_missing"),
    ],
)
async def test_it_refuses_a_bad_token_with_its_code_then_4401(bob, make, code):
    token = await database_sync_to_async(make)(bob)
    async with events_socket() as socket:
        await send(socket, action="auth", token=token)
        error = await receive(socket)
        assert (error["type"], error["code"]) == ("error", code)
        assert await closed_with(socket) == 4401


async def test_it_closes_4401_when_no_auth_frame_comes_in_time(monkeypatch):
    monkeypatch.setattr(consumers, "AUTH_TIMEOUT", 0.05)
    async with events_socket() as socket:
        assert (await receive(socket))["code"] == "not_authenticated"
        assert await closed_with(socket) == 4401


async def test_it_closes_4401_on_a_subscribe_before_auth(general):
    async with events_socket() as socket:
        await send(socket, action="subscribe", room=general.slug)
        assert (await receive(socket))["code"] == "not_authenticated"
        assert await closed_with(socket) == 4401


async def test_signing_out_over_rest_closes_the_socket(api, bob):
    pair = await database_sync_to_async(tokens.sign_in)(bob)
    async with events_socket() as socket:
        await send(socket, action="auth", token=pair.access)
        await until(socket, "ready")
        answer = await database_sync_to_async(api.post)(
            "/api/v1/auth/token/revoke/", {"refresh": pair.refresh}, format="json"
        )
        assert answer.status_code in (200, 204), answer.content
        assert (await receive(socket))["code"] == "token_revoked"
        assert await closed_with(socket) == 4401


# --- Subscriptions -----------------------------------------------------------------------------
async def test_an_outsider_is_told_a_private_room_or_board_does_not_exist(
    charlie, private_room, board
):
    async with signed_in(charlie) as socket:
        await send(socket, action="subscribe", room=private_room.slug, since=0)
        assert (await receive(socket))["code"] == "not_found"
        await send(socket, action="subscribe", room="no-such-room")
        assert (await receive(socket))["code"] == "not_found"
        await send(socket, action="subscribe", board=board.pk, since=0)
        refused = await receive(socket)
        assert (refused["code"], refused["action"]) == ("not_found", "subscribe")
        assert await socket.receive_nothing(timeout=0.2)


async def test_a_message_posted_over_rest_reaches_a_subscriber_as_its_data(
    bearer, alice, bob, general
):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug)
        assert await until(socket, "synced") == [
            {"type": "subscribed", "room": "general"},
            {"type": "synced", "event": 0, "seq": 0, "room": "general"},
        ]
        answer = await database_sync_to_async(post_over_rest)(bearer, alice, general, "Hi", "k1")
        message = await receive(socket)
        assert "html" not in message
        assert message["type"] == "message" and message["room"] == "general"
        assert (message["id"], message["event"], message["seq"]) == (answer["id"], 1, 1)
        assert message["data"] == answer


async def test_a_dropped_socket_catches_up_with_exactly_what_it_missed(bearer, alice, bob, general):
    post = database_sync_to_async(post_over_rest)
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug, since=0)
        await until(socket, "synced")
        await post(bearer, alice, general, "one", "k1")
        last_seen = (await receive(socket))["event"]
    missed = [await post(bearer, alice, general, body, body) for body in ("two", "three")]
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug, since=last_seen)
        frames = await until(socket, "synced")
    assert [frame["type"] for frame in frames] == ["subscribed", "message", "message", "synced"]
    assert [frame["data"] for frame in frames[1:3]] == missed
    assert frames[-1] == {"type": "synced", "event": 3, "seq": 3, "room": "general"}


async def test_a_catch_up_too_far_behind_says_reload(monkeypatch, alice, bob, general):
    monkeypatch.setattr("chat.events.CATCH_UP_MAX", 1)
    for n in range(2):
        await database_sync_to_async(chat_actions.post_message)(
            room=general, author=alice, body=f"m{n}", client_id=f"c{n}"
        )
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug, since=0)
        frames = await until(socket, "reset")
    assert frames[-1]["event"] == 2 and frames[-1]["room"] == "general"


async def test_a_card_changed_through_the_actions_reaches_a_board_subscriber(alice, bob, board):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", board=board.pk, since=0)
        assert (await until(socket, "synced"))[-1]["board"] == board.pk
        card = await database_sync_to_async(board_actions.create_card)(
            board=board, user=alice, title="Slow API"
        )
        created = await receive(socket)
        assert "html" not in created
        assert (created["type"], created["id"], created["board"]) == ("card", card.pk, board.pk)
        assert created["data"]["title"] == "Slow API"

        def edit() -> dict:
            board_actions.update_card(
                card=card, user=alice, base_version=1, changes={"title": "Slow API, fixed"}
            )
            fresh = Card.objects.select_related("board").get(pk=card.pk)
            return card_data(fresh)

        current = await database_sync_to_async(edit)()
        changed = await receive(socket)
        assert changed["event"] > created["event"]
        assert changed["data"] == current


async def test_a_frame_is_turned_into_json_once_for_every_subscriber(alice, bob, vera, general):
    async with signed_in(bob) as first, signed_in(vera) as second:
        for socket in (first, second):
            await send(socket, action="subscribe", room=general.slug)
            await until(socket, "synced")
        before = consumers.api_frame.cache_info()
        await database_sync_to_async(chat_actions.post_message)(
            room=general, author=alice, body="to both", client_id="b1"
        )
        assert await receive(first) == await receive(second)
        after = consumers.api_frame.cache_info()
        assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


async def test_subscribing_again_catches_up_and_keeps_the_events_coming(alice, bob, general):
    post = database_sync_to_async(chat_actions.post_message)
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug, since=0)
        await until(socket, "synced")
        await post(room=general, author=alice, body="one", client_id="a1")
        assert (await receive(socket))["event"] == 1
        await send(socket, action="subscribe", room=general.slug, since=0)
        frames = await until(socket, "synced")
        assert [frame["type"] for frame in frames] == ["subscribed", "message", "synced"]
        await post(room=general, author=alice, body="two", client_id="a2")
        assert (await receive(socket))["event"] == 2


async def test_unsubscribe_stops_the_events(alice, bob, general):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug)
        await until(socket, "synced")
        await send(socket, action="unsubscribe", room=general.slug)
        assert await receive(socket) == {"type": "unsubscribed", "room": "general"}
        await database_sync_to_async(chat_actions.post_message)(
            room=general, author=alice, body="unheard", client_id="u1"
        )
        assert await socket.receive_nothing(timeout=0.3)


async def test_ones_own_notifications_start_with_the_counts(bob):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", me=True)
        assert await receive(socket) == {"type": "subscribed", "me": True}
        state = await receive(socket)
        assert (state["type"], state["me"], state["mentions"]) == ("state", True, 0)


async def test_a_room_read_over_rest_is_followed_by_ones_own_subscription(
    bearer, alice, bob, general
):
    post = database_sync_to_async(chat_actions.post_message)
    await post(room=general, author=alice, body="one", client_id="o1")
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", me=True)
        await until(socket, "state")
        read = await database_sync_to_async(
            lambda: bearer(bob).post(
                f"/api/v1/rooms/{general.slug}/read/", {"seq": 1}, format="json"
            )
        )()
        assert read.status_code in (200, 204), read.content
        assert await receive(socket) == {
            "type": "read", "room": general.pk, "seq": 1, "data": {"room": general.pk, "seq": 1},
            "me": True,
        }  # fmt: skip
        await post(room=general, author=alice, body="two", client_id="o2")
        activity = await receive(socket)
        assert (activity["type"], activity["room"], activity["seq"]) == ("activity", general.pk, 2)


# --- Access changes ----------------------------------------------------------------------------
async def test_removal_from_the_team_ends_the_subscription(alice, bob, team, private_room):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=private_room.slug)
        await until(socket, "synced")
        await database_sync_to_async(account_actions.remove_member)(
            team=team, user=alice, member=bob
        )
        assert await receive(socket) == {
            "type": "unsubscribed", "room": "nexus", "reason": "no access"
        }  # fmt: skip
        await database_sync_to_async(chat_actions.post_message)(
            room=private_room, author=alice, body="secret", client_id="s1"
        )
        assert await socket.receive_nothing(timeout=0.3)


def _deactivate(user) -> None:
    user.is_active = False
    account_actions.update_account(user=user, changed=["is_active"])


def _new_password(user) -> None:
    user.set_password("another-long-passphrase")
    user.save()
    account_actions.credentials_changed(user=user)


@pytest.mark.parametrize("change", [_deactivate, _new_password])
async def test_a_deactivation_or_a_new_password_closes_the_socket(alice, bob, general, change):
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug)
        await until(socket, "synced")
        await database_sync_to_async(change)(bob)
        assert (await receive(socket))["code"] == "token_revoked"
        assert await closed_with(socket) == 4401


# --- Bad frames --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        ('{"action": "explode"}', "unknown_action"),
        ('{"action": "subscribe"}', "invalid"),
        ('{"action": "subscribe", "board": "x"}', "invalid"),
        ('{"action": "subscribe", "room": "general", "since": -1}', "invalid"),
        ('{"action": "subscribe", "board": 1, "pad": "' + "x" * 5000 + '"}', "too_large"),
        ("[" * 3000 + "]" * 3000, "too_large"),
        ('{"action": "subscribe", "room": ' + "[" * 1900 + "]" * 1900 + "}", "bad_frame"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_socket_lives(bob, general, text, code):
    async with signed_in(bob) as socket:
        await socket.send_to(text_data=text)
        assert (await receive(socket))["code"] == code
        await send(socket, action="ping")
        assert (await receive(socket))["type"] == "pong"


async def test_subscribing_is_rate_limited_per_socket(bob, general):
    async with signed_in(bob) as socket:
        for _ in range(consumers.SUBSCRIBE_BURST):
            await send(socket, action="subscribe", room=general.slug)
            await until(socket, "synced")
        await send(socket, action="subscribe", room=general.slug)
        refused = await receive(socket)
        assert refused["code"] == "rate_limited" and refused["retry_after"] > 0


async def test_posts_from_page_sockets_reach_an_api_subscriber_without_html(alice, bob, general):
    # Page sockets' posts go through group commit, whose frames travel as one `live.frames`.
    async with signed_in(bob) as socket, connected(alice, general) as page:
        await send(socket, action="subscribe", room=general.slug)
        await until(socket, "synced")
        await frames_until(page, "synced")
        for number in range(3):
            await page.send_to(
                text_data=json.dumps({"action": "post", "client_id": f"p{number}", "body": "hi"})
            )
        received = []
        while len(received) < 3:
            frame = await receive(socket)
            assert "html" not in frame
            if frame["type"] == "message":
                received.append(frame)
        assert [frame["seq"] for frame in received] == [1, 2, 3]
        assert all("html" not in frame and frame["room"] == "general" for frame in received)


async def test_a_batch_of_frames_reaches_an_api_subscriber_without_html(alice, bob, general):
    # Group commit sends a batch's frames of one room as one `live.frames` event.
    async with signed_in(bob) as socket:
        await send(socket, action="subscribe", room=general.slug)
        await until(socket, "synced")
        group = room_events.room_group(general)
        texts = [events.frame("message", event=n, seq=n, html="<p>x</p>", data={}) for n in (1, 2)]
        await events.send_held(
            [(group, events.forward(text), False) for text in texts], concurrently=True
        )
        received = [await receive(socket), await receive(socket)]
        assert [frame["seq"] for frame in received] == [1, 2]
        assert all("html" not in frame and frame["room"] == "general" for frame in received)


# --- One-time tickets --------------------------------------------------------------------------
async def _ticket(bearer, user) -> str:
    answer = await database_sync_to_async(lambda: bearer(user).post("/api/v1/auth/ticket/"))()
    assert answer.status_code == 201, answer.content
    assert answer.json()["expires_in"] == tokens.TICKET_SECONDS
    return answer.json()["ticket"]


async def test_a_ticket_signs_one_socket_in_once(bearer, bob, general):
    ticket = await _ticket(bearer, bob)
    path = f"/ws/v1/events/?ticket={ticket}"
    async with events_socket(path=path) as socket:
        assert await receive(socket) == {"type": "ready", "user": bob.pk}
        await send(socket, action="subscribe", room=general.slug)
        assert (await until(socket, "synced"))[-1]["room"] == general.slug
    async with events_socket(path=path) as again:  # used: refused
        assert (await receive(again))["code"] == "ticket_invalid"
        assert await closed_with(again) == 4401
    async with events_socket(path="/ws/v1/events/?ticket=made-up-made-up-made-up") as forged:
        assert (await receive(forged))["code"] == "ticket_invalid"
        assert await closed_with(forged) == 4401


async def test_a_ticket_of_an_ended_sign_in_is_refused(bearer, bob):
    pair = await database_sync_to_async(tokens.sign_in)(bob)
    from rest_framework.test import APIClient

    def ticket_then_sign_out() -> str:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.access}")
        ticket = client.post("/api/v1/auth/ticket/").json()["ticket"]
        tokens.sign_out(pair.refresh)
        return ticket

    ticket = await database_sync_to_async(ticket_then_sign_out)()
    async with events_socket(path=f"/ws/v1/events/?ticket={ticket}") as socket:
        assert (await receive(socket))["code"] == "token_revoked"
        assert await closed_with(socket) == 4401


def test_a_ticket_needs_a_bearer_sign_in(client, bob):
    client.force_login(bob)
    assert client.post("/api/v1/auth/ticket/").status_code in (400, 403)
    client.logout()
    assert client.post("/api/v1/auth/ticket/").status_code == 401
