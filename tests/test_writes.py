"""Writes from sockets: events leave after commit, from the event loop; connections are
recycled as between requests."""

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.layers import get_channel_layer
from django.db import connection, connections, transaction

from nexus_live import events, logs, writes

pytestmark = pytest.mark.django_db(transaction=True)


async def _listening(group: str) -> tuple[object, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def test_a_writes_committed_events_are_sent_even_when_it_then_fails():
    layer, channel = await _listening("test-write")

    def action():
        with transaction.atomic():
            events.publish_on_commit("test-write", {"type": "test.done", "n": 1})
        with transaction.atomic():
            events.publish_on_commit("test-write", {"type": "test.done", "n": 2})
            raise ValueError("after the first commit")

    with pytest.raises(ValueError, match="after the first commit"):
        await writes.write(action)
    assert await layer.receive(channel) == {"type": "test.done", "n": 1, "group": "test-write"}
    await layer.group_discard("test-write", channel)


async def test_a_write_returns_its_result_and_sends_after_commit():
    layer, channel = await _listening("test-write")

    def action(value, *, times):
        with transaction.atomic():
            events.publish_on_commit("test-write", {"type": "test.done", "n": value})
        return value * times

    assert await writes.write(action, 21, times=2) == 42
    assert await layer.receive(channel) == {"type": "test.done", "n": 21, "group": "test-write"}
    await layer.group_discard("test-write", channel)


async def test_a_connection_in_steady_use_skips_the_health_check(settings, monkeypatch):
    """Django checks a reused connection before each request; a write is one. A connection
    this thread used within CHECK_AFTER_IDLE seconds is not checked again. Without the pool
    only (DATABASE_POOL=false): with it, connections go back after each write and the pool
    checks them on checkout."""
    if connection.vendor != "postgresql":
        pytest.skip("health checks are a PostgreSQL setting here")
    monkeypatch.delitem(settings.DATABASES["default"]["OPTIONS"], "pool", raising=False)
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60  # keep it between writes
    # One write thread, so every write below meets the connection the one before left: with
    # several, which idle thread takes a write is chance (the test failed now and then).
    one_thread = ThreadPoolExecutor(1, thread_name_prefix="write-test")
    monkeypatch.setattr(writes, "_pool", lambda: one_thread)

    def checked_before_use() -> bool:
        check_pending = not connections["default"].health_check_done
        connections["default"].ensure_connection()
        return check_pending

    try:
        await writes.write(checked_before_use)
        assert await writes.write(checked_before_use) is False
        monkeypatch.setattr(writes, "CHECK_AFTER_IDLE", 0)
        assert await writes.write(checked_before_use) is True
    finally:
        settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
        await writes.write(lambda: connections["default"].close())
        one_thread.shutdown()


class _JsonLines(logging.Handler):
    """The JSON lines a logger writes, formatted where they are written (the thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_lines():
    handler = _JsonLines()
    logger = logging.getLogger("nexus_live.tests.writes")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)


def _logs_in_its_thread(*args) -> str:
    logging.getLogger("nexus_live.tests.writes").info("written")
    return threading.current_thread().name


async def test_a_line_logged_in_a_write_thread_says_which_socket(json_lines, settings):
    logs.context.set({"socket_id": "s1", "user": 7, "space": "room:3"})
    thread = await writes.write(_logs_in_its_thread)
    if settings.DATABASE_WRITE_THREADS:
        assert thread.startswith("write")  # the pool's, not this one
    [line] = json_lines
    assert (line["socket_id"], line["user"], line["space"]) == ("s1", 7, "room:3")


async def test_a_group_commit_logs_with_the_sockets_of_its_batch(json_lines):
    """One batch holds the calls of several sockets: its lines name all of them, and never
    only the socket whose call happened to start the batch."""

    def action(items):
        _logs_in_its_thread()
        return items

    batch = writes.Batch(action)

    async def socket(socket_id: str, user: int):
        logs.context.set({"socket_id": socket_id, "user": user, "space": "room:3"})
        return await batch(socket_id)

    assert await asyncio.gather(socket("s1", 7), socket("s2", 8)) == ["s1", "s2"]
    [line] = json_lines
    assert line["socket_id"] == ["s1", "s2"]
    assert line["user"] == [7, 8]
    assert line["space"] == "room:3"  # the same for both: one value


async def test_a_batch_of_one_socket_logs_that_socket(json_lines):
    batch = writes.Batch(lambda items: [_logs_in_its_thread() for _ in items])
    logs.context.set({"socket_id": "s9", "user": 4})
    await batch("x")
    assert {k: json_lines[0].get(k) for k in ("socket_id", "user")} == {
        "socket_id": "s9",
        "user": 4,
    }
