"""A post over a real socket moves the counters an operator watches."""

import json

import pytest
from prometheus_client import REGISTRY

from chat.tests.conftest import connected, frames_until

pytestmark = pytest.mark.django_db(transaction=True)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counted() -> dict[str, float]:
    return {
        "posted": value("nexus_writes_total", what="message_posted"),
        "post_frames": value("nexus_frames_in_total", action="post"),
        "unknown_frames": value("nexus_frames_in_total", action="unknown"),
        "messages_out": value("nexus_frames_out_total", type="message"),
        "acks_out": value("nexus_frames_out_total", type="ack"),
        "catch_ups": value("nexus_catch_up_frames_count"),
        "sends": value("nexus_channel_layer_send_seconds_count", outcome="ok"),
        "writes": value("nexus_database_call_seconds_count", kind="write"),
        "open": value("nexus_sockets_open", kind="room"),
    }


async def test_a_post_over_a_socket_moves_the_counters(alice, bob, general):
    before = counted()
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(a, "synced")
        await frames_until(b, "synced")
        assert counted()["open"] == before["open"] + 2
        await a.send_to(text_data=json.dumps({"action": "shout-4711"}))
        await frames_until(a, "error")
        await a.send_to(text_data=json.dumps({"action": "post", "client_id": "m1", "body": "hi"}))
        await frames_until(a, "message")
        await frames_until(b, "message")
        now = counted()
    after = counted()

    assert now["posted"] == before["posted"] + 1
    assert now["post_frames"] == before["post_frames"] + 1
    assert now["unknown_frames"] == before["unknown_frames"] + 1  # a client names no label
    assert now["messages_out"] >= before["messages_out"] + 2  # one to each socket
    assert now["acks_out"] == before["acks_out"] + 1
    assert now["catch_ups"] == before["catch_ups"] + 2  # each socket caught up once
    assert now["sends"] > before["sends"]
    assert now["writes"] > before["writes"]
    assert after["open"] == before["open"]
    assert REGISTRY.get_sample_value("nexus_frames_in_total", {"action": "shout-4711"}) is None
