"""nexus_live/layers.py: the per-socket inbox of the pub/sub layer, and the layer through a real
Redis (REDIS_URL): a socket's channel gets its own and its groups' messages, in order."""

import asyncio
import os

import pytest

from nexus_live.layers import Inbox, PubSubChannelLayer


async def test_messages_come_out_in_order_and_an_empty_inbox_keeps_no_deque():
    inbox = Inbox()
    for n in range(3):
        inbox.put_nowait(n)
    assert inbox.qsize() == 3
    assert [await inbox.get() for _ in range(3)] == [0, 1, 2]
    assert inbox.empty() and inbox._items is None


async def test_a_waiting_reader_is_woken_by_the_next_message():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait("hello")
    assert await asyncio.wait_for(reader, 1) == "hello"


async def test_a_reader_cancelled_as_it_is_woken_leaves_the_message_for_the_next():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    reader.cancel()  # woken and cancelled before it ran again
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await asyncio.wait_for(inbox.get(), 1) == "kept"


async def test_messages_put_while_nobody_reads_wait_for_the_reader():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert await reader == 1
    assert await inbox.get() == 2


@pytest.fixture
def layer():
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    return PubSubChannelLayer(hosts=[{"address": url}], prefix="nexus-test-layers")


async def test_through_redis_a_channel_gets_its_messages_and_its_groups_in_order(layer):
    try:
        channel = await layer.new_channel()
        assert isinstance(layer._get_layer().channels[channel], Inbox)
        await layer.group_add("room-1", channel)
        await layer.send(channel, {"type": "live.frame", "n": 1})
        await layer.group_send("room-1", {"type": "live.frame", "n": 2})
        got = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(2)]
        assert [message["n"] for message in got] == [1, 2]
        await layer.group_discard("room-1", channel)
    finally:
        await layer.flush()
