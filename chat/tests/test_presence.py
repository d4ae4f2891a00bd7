"""Who is online: correct across tabs, and free of ghosts once a socket stops renewing."""

import json

import pytest

from chat.tests.conftest import connected, frames_until
from nexus_live import presence

pytestmark = pytest.mark.django_db(transaction=True)


async def _online_names(socket) -> str:
    """The Online list in the latest presence frame (after the socket has gone quiet)."""
    html = None
    while not await socket.receive_nothing(timeout=0.2):
        frame = json.loads(await socket.receive_from())
        if frame["type"] == "presence":
            html = frame["html"]
    return html


async def test_it_lists_who_is_in_the_room_and_drops_who_leaves(alice, bob, general):
    async with connected(alice, general) as a:
        async with connected(bob, general) as b:
            html = await _online_names(a)
            assert "Alice" in html and "Bob" in html
            assert 'aria-label="Online"' in html
            await _online_names(b)
        html = await _online_names(a)
        assert "Alice" in html and "Bob" not in html


async def test_a_second_tab_closing_keeps_the_person_online(alice, bob, general):
    async with connected(bob, general) as watcher, connected(alice, general):
        async with connected(alice, general):
            assert "Alice" in await _online_names(watcher)
        assert "Alice" in await _online_names(watcher)
    assert await presence.online(f"room:{general.pk}") == set()


async def test_an_entry_nobody_renews_expires(alice, general, monkeypatch):
    """A killed process cannot say goodbye: its entries must fall out by themselves."""
    await presence.touch(f"room:{general.pk}", alice.pk, "specific.dead-process!abc")
    assert await presence.online(f"room:{general.pk}") == {alice.pk}
    clock = presence.time.time() + presence.TTL + 1
    monkeypatch.setattr(presence.time, "time", lambda: clock)
    assert await presence.online(f"room:{general.pk}") == set()


async def test_a_heartbeat_refreshes_a_stale_list(alice, bob, general, monkeypatch):
    async with connected(alice, general) as a:
        await _online_names(a)
        await presence.touch(
            f"room:{general.pk}", bob.pk, "specific.ghost!1"
        )  # bob's process died later
        await a.send_to(text_data='{"action": "ping"}')
        frames = await frames_until(a, "presence")
        assert "Bob" in frames[-1]["html"]


async def test_typing_reaches_the_others(alice, bob, general):
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(b, "synced")
        await a.send_to(text_data='{"action": "typing"}')
        (typing,) = await frames_until(b, "typing")
        assert typing == {"type": "typing", "user": alice.pk, "name": "Alice"}
