"""The board socket: who may connect, edits and moves over frames, catch-up, bad frames."""

import json
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from boards import actions
from boards.models import Card
from chat.tests.conftest import HOST, ORIGIN, _session_cookie, outcome
from nexus_live.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@asynccontextmanager
async def on_board(user, board, since=None, origin=ORIGIN):
    headers = [origin, HOST]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(_session_cookie)(user)))
    path = f"/ws/boards/{board.pk}/" + (f"?since={since}" if since is not None else "")
    socket = WebsocketCommunicator(application, path, headers=headers)
    socket.accepted, _ = await socket.connect()
    try:
        yield socket
    finally:
        await socket.disconnect()


async def next_of(socket, kind, wait=2):
    while True:
        frame = json.loads(await socket.receive_from(timeout=wait))
        if frame["type"] == kind:
            return frame


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 4401), ("charlie", 4403), ("vera", "open"), ("bob", "open"), ("alice", "open")],
)
async def test_who_may_connect(alice, bob, vera, charlie, board, who, expected):
    people = {"anonymous": None, "alice": alice, "bob": bob, "vera": vera, "charlie": charlie}
    async with on_board(people[who], board) as socket:
        assert await outcome(socket) == expected


async def test_a_foreign_origin_is_refused(alice, board):
    async with on_board(alice, board, origin=(b"origin", b"https://evil.example")) as socket:
        assert socket.accepted is False


async def test_an_edit_reaches_every_viewer(alice, bob, card):
    async with on_board(alice, card.board) as a, on_board(bob, card.board) as b:
        await next_of(a, "synced")
        await next_of(b, "synced")
        frame = {"action": "edit", "card": card.pk, "version": 1, "fields": {"title": "Faster"}}
        await a.send_to(text_data=json.dumps(frame))
        saved = await next_of(a, "saved")
        seen = await next_of(b, "card")
        assert saved == {
            "type": "saved",
            "card": card.pk,
            "version": 2,
            "merged": False,
            "conflicts": [],
        }
        assert seen["version"] == 2 and f'id="card-{card.pk}"' in seen["html"]
        assert 'data-version="2"' in seen["html"] and "Faster" in seen["html"]


async def test_a_viewer_cannot_edit_or_move(vera, card):
    async with on_board(vera, card.board) as socket:
        await next_of(socket, "synced")
        await socket.send_to(
            text_data=json.dumps(
                {"action": "edit", "card": card.pk, "version": 1, "fields": {"title": "x"}}
            )
        )
        assert (await next_of(socket, "error"))["code"] == "forbidden"
        column = await database_sync_to_async(lambda: card.board.columns.last())()
        await socket.send_to(
            text_data=json.dumps({"action": "move", "card": card.pk, "column": column.pk})
        )
        assert (await next_of(socket, "error"))["code"] == "forbidden"
    assert (await database_sync_to_async(Card.objects.get)(pk=card.pk)).version == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("nope", "bad_frame"),
        ('{"action": 1}', "bad_frame"),
        ('{"action": "fly"}', "unknown_action"),
        ('{"action": "edit", "card": "x", "version": 1, "fields": {}}', "invalid"),
        ('{"action": "edit", "card": 999999, "version": 1, "fields": {"title": "x"}}', "not_found"),
        ('{"action": "move", "card": 999999, "column": 1}', "not_found"),
    ],
)
async def test_malformed_frames_get_clear_errors(alice, card, frame, code):
    async with on_board(alice, card.board) as socket:
        await next_of(socket, "synced")
        await socket.send_to(text_data=frame)
        error = await next_of(socket, "error")
        assert error["code"] == code and error["message"]
        await socket.send_to(text_data='{"action": "ping"}')
        await next_of(socket, "pong")


async def test_moving_to_another_teams_board_is_refused(alice, card, other_board):
    column = await database_sync_to_async(lambda: other_board.columns.first())()
    async with on_board(alice, card.board) as socket:
        await next_of(socket, "synced")
        await socket.send_to(
            text_data=json.dumps({"action": "move", "card": card.pk, "column": column.pk})
        )
        assert (await next_of(socket, "error"))["code"] == "not_found"
    assert (
        await database_sync_to_async(lambda: Card.objects.get(pk=card.pk).column.board_id)()
    ) == card.board_id


async def test_it_catches_up_after_reconnecting(alice, bob, card):
    async with on_board(bob, card.board) as socket:
        synced = await next_of(socket, "synced")
    last = synced["event"]

    def meanwhile():
        fresh = Card.objects.select_related("board").get(pk=card.pk)
        actions.update_card(card=fresh, user=alice, base_version=1, changes={"title": "v2"})
        columns = list(fresh.board.columns.all())
        actions.move_card(card=fresh, user=alice, column=columns[1])

    await database_sync_to_async(meanwhile)()
    async with on_board(bob, card.board, since=last) as socket:
        frame = await next_of(socket, "card")
        synced = await next_of(socket, "synced")
    assert frame["id"] == card.pk and frame["version"] == 2 and "v2" in frame["html"]
    assert synced["event"] == last + 2
