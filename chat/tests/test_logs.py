"""A socket's log lines say which socket, whose and which room; what people write is never
logged, whatever the level."""

import json
import logging

import pytest

from chat.tests.conftest import connected, frames_until
from nexus_live import logs

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "a-secret-only-the-room-may-read"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logs.JsonFormatter().format(record))


@pytest.fixture
def every_line():
    """Every record of every logger at DEBUG, formatted as production formats it."""
    handler, root = _Keep(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_a_post_logs_no_body_even_at_debug(alice, general, every_line):
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(
            text_data=json.dumps({"action": "post", "client_id": "c1", "body": BODY})
        )
        await frames_until(socket, "message")
    assert every_line
    assert not [line for line in every_line if BODY in line]


async def test_a_socket_failure_is_logged_with_its_socket_user_and_room(
    alice, general, every_line, monkeypatch
):
    from chat.consumers import RoomConsumer

    async def broken(self, frame):
        raise RuntimeError("a bug")

    monkeypatch.setattr(RoomConsumer, "do_ping", broken)
    async with connected(alice, general) as socket:
        await frames_until(socket, "synced")
        await socket.send_to(text_data=json.dumps({"action": "ping"}))
        await frames_until(socket, "error")
    (line,) = [json.loads(line) for line in every_line if "frame 'ping' failed" in line]
    assert line["user"] == alice.pk
    assert line["space"] == f"room:{general.pk}"
    assert line["socket_id"]
    assert "exception" in line
