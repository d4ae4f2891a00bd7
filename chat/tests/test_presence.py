"""Who is online: correct across tabs, and free of ghosts once a socket stops renewing."""

import asyncio
import json
import re

import pytest

from chat.tests.conftest import connected, frames_until
from nexus_live import events, presence, sockets

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _every_ping_is_a_heartbeat(monkeypatch):
    monkeypatch.setattr(sockets, "HEARTBEAT", 0)


class OnlineList:
    """What a client shows as Online: the whole list first, then who joins and who leaves."""

    def __init__(self, socket) -> None:
        self.socket, self.people, self.frames = socket, set(), []

    async def settle(self, expected: set[int] | None = None, seconds: float = 5) -> set[int]:
        """Apply every presence frame until the socket goes quiet; who is listed then. Given
        the list a test waits for, a quiet spell before it (a loaded machine) waits on, for at
        most `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            if await self.socket.receive_nothing(timeout=0.2):
                if expected is None or self.people == expected or loop.time() > deadline:
                    return self.people
                continue
            frame = json.loads(await self.socket.receive_from())
            if frame["type"] != "presence":
                continue
            self.frames.append(frame)
            if "html" in frame:
                assert 'aria-label="Online"' in frame["html"]
                self.people = {int(pk) for pk in re.findall(r'data-user="(\d+)"', frame["html"])}
            elif "joined" in frame:
                assert f'data-user="{frame["joined"]}"' in frame["person"]
                self.people.add(frame["joined"])
            else:
                self.people.discard(frame["left"])


async def test_it_lists_who_is_in_the_room_and_drops_who_leaves(alice, bob, general):
    async with connected(alice, general) as a:
        seen_by_alice = OnlineList(a)
        assert await seen_by_alice.settle({alice.pk}) == {alice.pk}
        before_bob = len(seen_by_alice.frames)
        async with connected(bob, general) as b:
            assert await OnlineList(b).settle({alice.pk, bob.pk}) == {
                alice.pk,
                bob.pk,
            }  # the whole list
            assert await seen_by_alice.settle({alice.pk, bob.pk}) == {
                alice.pk,
                bob.pk,
            }  # one person joined
        assert await seen_by_alice.settle({alice.pk}) == {alice.pk}
        assert [set(f) - {"type"} for f in seen_by_alice.frames[before_bob:]] == [
            {"joined", "person", "data"},
            {"left", "data"},
        ]


async def test_a_second_tab_closing_keeps_the_person_online(alice, bob, general):
    async with connected(bob, general) as watcher, connected(alice, general):
        seen_by_bob = OnlineList(watcher)
        assert await seen_by_bob.settle({alice.pk, bob.pk}) == {alice.pk, bob.pk}
        async with connected(alice, general):
            assert await seen_by_bob.settle({alice.pk, bob.pk}) == {alice.pk, bob.pk}
        assert await seen_by_bob.settle({alice.pk, bob.pk}) == {alice.pk, bob.pk}
        assert not any("left" in frame for frame in seen_by_bob.frames)
    assert await presence.online(f"room:{general.pk}") == set()


async def test_an_entry_nobody_renews_expires(alice, general, monkeypatch):
    """A killed process cannot say goodbye: its entries must fall out by themselves."""
    await presence.touch(f"room:{general.pk}", alice.pk, "specific.dead-process!abc")
    assert await presence.online(f"room:{general.pk}") == {alice.pk}
    clock = presence.time.time() + presence.TTL + 1
    monkeypatch.setattr(presence.time, "time", lambda: clock)
    assert await presence.online(f"room:{general.pk}") == set()


async def test_a_heartbeat_refreshes_a_stale_list(alice, bob, general):
    async with connected(alice, general) as a:
        seen_by_alice = OnlineList(a)
        await seen_by_alice.settle()
        # bob's socket on another process joined, and that process died before saying so
        await presence.touch(f"room:{general.pk}", bob.pk, "specific.ghost!1")
        await a.send_to(text_data='{"action": "ping"}')
        assert await seen_by_alice.settle({alice.pk, bob.pk}) == {alice.pk, bob.pk}


async def test_a_ghost_that_expires_leaves_every_list(alice, bob, charlie, general):
    """Bob's process died after he joined: his entry expires unannounced. Someone else joining
    in between must not hide the change from the next heartbeat."""
    space = f"room:{general.pk}"
    async with connected(alice, general) as a:
        seen_by_alice = OnlineList(a)
        await seen_by_alice.settle()
        await presence.touch(space, bob.pk, "specific.ghost!1")
        joined = {"type": "presence", "joined": bob.pk, "person": f'<li data-user="{bob.pk}">'}
        await events.publish(
            f"room-{general.pk}",
            {"type": "live.presence_joined", "user": bob.pk, "frame": json.dumps(joined)},
        )
        assert await seen_by_alice.settle({alice.pk, bob.pk}) == {alice.pk, bob.pk}
        await presence.leave(space, bob.pk, "specific.ghost!1")  # as if expired: nobody says so
        async with connected(charlie, general):
            assert await seen_by_alice.settle({alice.pk, bob.pk, charlie.pk}) == {
                alice.pk,
                bob.pk,
                charlie.pk,
            }
            await a.send_to(text_data='{"action": "ping"}')
            assert await seen_by_alice.settle({alice.pk, charlie.pk}) == {alice.pk, charlie.pk}


async def test_typing_reaches_the_others(alice, bob, general):
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(b, "synced")
        await a.send_to(text_data='{"action": "typing"}')
        (typing,) = await frames_until(b, "typing")
        assert typing["user"] == alice.pk and typing["data"]["name"] == "Alice"
