"""Structured logs: JSON lines that say which request or socket, whose, and where."""

import json
import logging

from django.urls import reverse

from nexus_live import logs


def _formatted(record: logging.LogRecord) -> dict:
    return json.loads(logs.JsonFormatter().format(record))


def test_it_writes_one_json_object_with_the_context_and_extras():
    token = logs.context.set({"socket_id": "s1", "user": 7, "space": "room:3"})
    try:
        record = logging.makeLogRecord(
            {"name": "x", "levelname": "WARNING", "msg": "a %s", "args": ("b",), "code": 42}
        )
        entry = _formatted(record)
    finally:
        logs.context.reset(token)
    assert entry["message"] == "a b"
    assert entry["level"] == "WARNING"
    assert (entry["socket_id"], entry["user"], entry["space"]) == ("s1", 7, "room:3")
    assert entry["code"] == 42


def test_bind_adds_to_a_copy_and_leaves_the_outer_context_alone():
    token = logs.context.set({"request_id": "r1"})
    try:
        outer = logs.context.get()
        logs.bind(user=5)
        assert logs.context.get() == {"request_id": "r1", "user": 5}
        assert outer == {"request_id": "r1"}
    finally:
        logs.context.reset(token)


def test_it_logs_each_request_with_route_status_user_and_request_id(as_person, caplog):
    client = as_person("alice")
    with caplog.at_level(logging.INFO, logger="nexus_live.http"):
        response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="from-the-proxy")
    (record,) = [r for r in caplog.records if r.name == "nexus_live.http"]
    assert record.route == "healthz"
    assert record.status == 200
    assert response.headers["X-Request-ID"] == "from-the-proxy"
    entry = _formatted(record)
    assert entry["route"] == "healthz"
    assert entry["duration_ms"] >= 0
    assert logs.context.get() is None  # nothing leaks into the next request
