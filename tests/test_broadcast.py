"""Events leave after their write commits: from sockets' writes, sent on the event loop."""

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from nexus_live import broadcast

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
            broadcast.broadcast_on_commit("test-write", {"type": "test.done", "n": 1})
        with transaction.atomic():
            broadcast.broadcast_on_commit("test-write", {"type": "test.done", "n": 2})
            raise ValueError("after the first commit")

    with pytest.raises(ValueError, match="after the first commit"):
        await broadcast.write(action)
    assert await layer.receive(channel) == {"type": "test.done", "n": 1}
    await layer.group_discard("test-write", channel)


async def test_a_write_returns_its_result_and_sends_after_commit():
    layer, channel = await _listening("test-write")

    def action(value, *, times):
        with transaction.atomic():
            broadcast.broadcast_on_commit("test-write", {"type": "test.done", "n": value})
        return value * times

    assert await broadcast.write(action, 21, times=2) == 42
    assert await layer.receive(channel) == {"type": "test.done", "n": 21}
    await layer.group_discard("test-write", channel)
