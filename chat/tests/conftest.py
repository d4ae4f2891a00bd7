"""Rooms for the chat tests: a public #general, a private #nexus for the team, sockets to them."""

import json
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from chat.models import Room
from nexus_live.asgi import application

# The page's own origin and the Host it was served from: sockets open from nowhere else.
ORIGIN = (b"origin", b"http://127.0.0.1")
HOST = (b"host", b"127.0.0.1")


@pytest.fixture
def general(db, alice) -> Room:
    return Room.objects.create(name="general", slug="general", created_by=alice)


@pytest.fixture
def private_room(team, alice) -> Room:
    return Room.objects.create(
        name="nexus", slug="nexus", team=team, is_private=True, created_by=alice
    )


def _session_cookie(user) -> bytes:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}".encode()


@asynccontextmanager
async def connected(user, room: Room | None, since: int | None = None, *, origin=ORIGIN):
    """A socket to the room (None: the person's own /ws/me/) as `user`; always closed after."""
    headers = [origin, HOST]
    if user is not None:
        cookie = await database_sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", cookie))
    if room is None:
        path = "/ws/me/"
    else:
        path = f"/ws/rooms/{room.slug}/" + (f"?since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    ok, code = await communicator.connect()
    communicator.accepted = ok
    communicator.close_code = code
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def outcome(communicator) -> int | str:
    """ "open", or the close code the socket was accepted and then closed with (a refusal
    before accepting would reach a browser as 1006, telling it nothing)."""
    if not communicator.accepted:
        return "refused before accepting"
    output = await communicator.receive_output(timeout=2)
    return output["code"] if output["type"] == "websocket.close" else "open"


EPHEMERAL = ("presence", "typing")


async def frames_until(communicator, kind: str, wait: float = 2) -> list[dict]:
    """Every frame up to and including the first of `kind`, presence and typing left out."""
    seen = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=wait))
        if frame["type"] in EPHEMERAL and frame["type"] != kind:
            continue
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def drain(communicator, quiet: float = 0.2) -> list[dict]:
    """What else arrives until the socket is quiet a moment, presence and typing left out."""
    seen = []
    while not await communicator.receive_nothing(timeout=quiet):
        frame = json.loads(await communicator.receive_from())
        if frame["type"] not in EPHEMERAL:
            seen.append(frame)
    return seen


# --- Link previews --------------------------------------------------------------------------------
@pytest.fixture
def loopback(settings):
    """Pages of these tests listen on 127.0.0.x: let the outbound policy reach them."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.OUTBOUND_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def queued(monkeypatch):
    """Fetches queued after a commit, run by the test (as a worker would) instead."""
    asked: list[int] = []
    monkeypatch.setattr("chat.actions.previews.queue_fetch", asked.append)
    return asked
