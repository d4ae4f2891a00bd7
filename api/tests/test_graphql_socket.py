"""/graphql/ over a WebSocket (graphql-transport-ws), against the real ASGI app: signing in by
connection_init or the session, subscriptions fed by the pages' events (a message posted as a
browser posts it, from another thread), catch-up by since, access lost mid-subscription."""

import json
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from accounts import actions as account_actions
from api import tokens
from boards import actions as board_actions
from boards import queries as board_queries
from chat import actions as chat_actions
from chat.tests.conftest import HOST, ORIGIN, _session_cookie
from nexus_live.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN = (b"origin", b"https://someone-elses-app.example")
ROOM = """subscription($room: String!, $since: Int) { roomMessages(room: $room, since: $since) {
  type event message { id seq body deleted author { name } } } }"""
BOARD = """subscription($board: Int!) { boardChanges(board: $board) {
  type event card { id title column version } columns { id cards } } }"""


@pytest.fixture
def private_room(team, alice):
    return chat_actions.create_room(user=alice, name="nexus", team=team, is_private=True)


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Challenges", team=team)


@asynccontextmanager
async def socket(headers=(ORIGIN, HOST)):
    communicator = WebsocketCommunicator(
        application, "/graphql/", headers=list(headers), subprotocols=["graphql-transport-ws"]
    )
    connected, _ = await communicator.connect()
    assert connected
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def send(communicator, **message) -> None:
    await communicator.send_to(text_data=json.dumps(message))


async def receive(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=3))


async def token_of(user) -> str:
    return (await database_sync_to_async(tokens.sign_in)(user)).access


async def init(communicator, token: str | None) -> dict:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await send(communicator, type="connection_init", payload=payload)
    return await communicator.receive_output(timeout=3)


async def subscribe(communicator, query: str, **variables) -> None:
    await send(
        communicator, id="1", type="subscribe", payload={"query": query, "variables": variables}
    )


def acked(output: dict) -> bool:
    return output["type"] == "websocket.send" and json.loads(output["text"])["type"] == (
        "connection_ack"
    )


def refused(output: dict) -> bool:
    return output["type"] == "websocket.close" and output["code"] == 4403


async def post(room, author, body: str, client_id: str):
    """As a browser's post does: the page's action, in another thread, committed there."""
    return await database_sync_to_async(
        lambda: (
            chat_actions.post_message(
                room=room, author=author, body=body, client_id=client_id
            ).message
        )
    )()


async def next_event(communicator) -> dict:
    message = await receive(communicator)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]


async def test_a_subscription_receives_a_message_posted_as_a_browser_posts_it(
    private_room, alice, bob
):
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, ROOM, room="nexus")
        assert await communicator.receive_nothing(timeout=0.3)  # joined, nothing yet
        message = await post(private_room, alice, "Hello **Bob**", "web-1")
        data = (await next_event(communicator))["roomMessages"]
        assert data["type"] == "message"
        assert data["message"] == {
            "id": message.pk, "seq": 1, "body": "Hello **Bob**", "deleted": False,
            "author": {"name": "Alice"},
        }  # fmt: skip
        await database_sync_to_async(chat_actions.delete_message)(message=message, user=alice)
        deleted = (await next_event(communicator))["roomMessages"]
        assert deleted["type"] == "message_changed" and deleted["message"]["deleted"] is True


async def test_since_catches_up_then_goes_on_live(private_room, alice, bob):
    first = await post(private_room, alice, "before", "a")
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, ROOM, room="nexus", since=first.event - 1)
        caught = (await next_event(communicator))["roomMessages"]
        assert caught["message"]["body"] == "before"
        assert (await next_event(communicator))["roomMessages"]["type"] == "synced"
        await post(private_room, alice, "after", "b")
        assert (await next_event(communicator))["roomMessages"]["message"]["body"] == "after"


async def test_the_session_signs_in_from_this_sites_pages(private_room, alice, bob):
    cookie = (b"cookie", await database_sync_to_async(_session_cookie)(bob))
    async with socket(headers=(ORIGIN, HOST, cookie)) as communicator:
        assert acked(await init(communicator, None))
        await subscribe(communicator, ROOM, room="nexus")
        await communicator.receive_nothing(timeout=0.3)
        await post(private_room, alice, "hi", "s-1")
        assert (await next_event(communicator))["roomMessages"]["message"]["body"] == "hi"


async def test_another_sites_page_gets_nothing_from_the_cookie(bob):
    cookie = (b"cookie", await database_sync_to_async(_session_cookie)(bob))
    async with socket(headers=(FOREIGN, HOST, cookie)) as communicator:
        assert refused(await init(communicator, None))


async def test_a_token_signs_in_from_any_origin(private_room, bob):
    async with socket(headers=(FOREIGN, HOST)) as communicator:
        assert acked(await init(communicator, await token_of(bob)))


@pytest.mark.parametrize("who", ["anonymous", "expired", "revoked", "garbled"])
async def test_a_socket_without_a_live_sign_in_is_refused(bob, who):
    if who == "expired":
        with override_settings(API_ACCESS_TOKEN_SECONDS=-60):
            token = await token_of(bob)
    elif who == "revoked":
        pair = await database_sync_to_async(tokens.sign_in)(bob)
        await database_sync_to_async(tokens.sign_out)(pair.refresh)
        token = pair.access
    else:
        token = {"anonymous": None, "garbled": "not-a-jwt"}[who]
    async with socket() as communicator:
        assert refused(await init(communicator, token))


@pytest.mark.parametrize(
    ("who", "error"),
    [("charlie", "not_found"), ("vera", None), ("bob", None), ("alice", None)],
)
async def test_who_may_subscribe_to_a_private_room_and_board(
    private_room, board, alice, bob, vera, charlie, who, error
):
    person = {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}[who]
    for query, variables in ((ROOM, {"room": "nexus"}), (BOARD, {"board": board.pk})):
        async with socket() as communicator:
            assert acked(await init(communicator, await token_of(person)))
            await subscribe(communicator, query, **variables)
            if error is None:
                assert await communicator.receive_nothing(timeout=0.3)
            else:
                answer = await receive(communicator)
                codes = [e["extensions"]["code"] for e in answer["payload"].get("errors", [])]
                assert answer["type"] in ("next", "error") and codes == [error], answer


async def test_a_card_moved_in_a_browser_reaches_board_subscribers(board, alice, bob):
    card = await database_sync_to_async(
        lambda: board_actions.create_card(board=board, user=alice, title="Slow cursor")
    )()
    done = await database_sync_to_async(
        lambda: board_actions.add_column(board=board, user=alice, name="Done")
    )()
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, BOARD, board=board.pk)
        await communicator.receive_nothing(timeout=0.3)
        await database_sync_to_async(
            lambda: board_actions.move_card(card=card, user=alice, column=done)
        )()
        data = (await next_event(communicator))["boardChanges"]
        assert data["type"] == "card" and data["card"]["column"] == done.pk
        assert {"id": done.pk, "cards": [card.pk]} in data["columns"]


COMMENTS = """subscription($board: Int!) { boardChanges(board: $board) {
  type event comment { id card body deleted author { name } } } }"""


async def test_comments_posted_edited_and_deleted_reach_board_subscribers(board, alice, bob):
    card = await database_sync_to_async(
        lambda: board_actions.create_card(board=board, user=alice, title="Slow cursor")
    )()
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, COMMENTS, board=board.pk)
        await communicator.receive_nothing(timeout=0.3)
        comment = await database_sync_to_async(
            lambda: board_actions.add_comment(card=card, user=alice, body="first")
        )()
        seen = []
        while len(seen) < 1:
            data = (await next_event(communicator))["boardChanges"]
            if data["type"].startswith("comment"):
                seen.append(data)
        fresh = await database_sync_to_async(lambda: board_queries.comment_for(alice, comment.pk))()
        await database_sync_to_async(
            lambda: board_actions.edit_comment(comment=fresh, user=alice, body="second")
        )()
        await database_sync_to_async(
            lambda: board_actions.delete_comment(comment=fresh, user=alice)
        )()
        while len(seen) < 3:
            data = (await next_event(communicator))["boardChanges"]
            if data["type"].startswith("comment"):
                seen.append(data)
    assert [(d["type"], d["comment"]["body"], d["comment"]["deleted"]) for d in seen] == [
        ("comment", "first", False),
        ("comment_edited", "second", False),
        ("comment_deleted", "", True),
    ]
    assert seen[0]["comment"]["author"] == {"name": "Alice"}


async def test_a_member_removed_from_the_team_stops_receiving(private_room, team, alice, bob):
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, ROOM, room="nexus")
        await communicator.receive_nothing(timeout=0.3)
        await database_sync_to_async(account_actions.remove_member)(
            team=team, user=alice, member=bob
        )
        ended = await receive(communicator)
        codes = [e["extensions"]["code"] for e in ended["payload"].get("errors", [])]
        assert codes == ["not_found"], ended
        await post(private_room, alice, "secret", "after-removal")
        while not await communicator.receive_nothing(timeout=0.5):
            left = await receive(communicator)
            assert left["type"] == "complete", left  # never the message


async def test_signing_out_closes_the_socket(bob):
    pair = await database_sync_to_async(tokens.sign_in)(bob)
    async with socket() as communicator:
        assert acked(await init(communicator, pair.access))
        await database_sync_to_async(tokens.sign_out)(pair.refresh)
        output = await communicator.receive_output(timeout=3)
        assert output["type"] == "websocket.close" and output["code"] == 4401


async def test_queries_and_mutations_go_over_http(bob):
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await send(communicator, id="q", type="subscribe", payload={"query": "{ me { id } }"})
        answer = await receive(communicator)
        assert answer["payload"]["errors"][0]["extensions"]["code"] == "invalid"


async def test_a_bad_subscription_gets_a_clear_error(bob):
    async with socket() as communicator:
        assert acked(await init(communicator, await token_of(bob)))
        await subscribe(communicator, "subscription { roomMessages(room: 7) { type } }")
        answer = await receive(communicator)
        assert answer["type"] == "error"
        assert answer["payload"][0]["extensions"]["code"] == "invalid"


async def test_a_session_cookie_holding_a_nul_signs_nobody_in(bob):
    """As on the page sockets (nexus_live.sockets.session_key_of): a quoted `\\000` unquotes to
    a NUL, which PostgreSQL refuses in the session look-up; it is refused, not a crash."""
    cookie = (b"cookie", b'sessionid="\\000abcdefghijklmnop"')
    async with socket(headers=(ORIGIN, HOST, cookie)) as communicator:
        assert refused(await init(communicator, None))
