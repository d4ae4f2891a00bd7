"""The rooms' load scenarios: prepare (database), drive (load generator), verify (database).

Each returns a flat dict of figures for the report; a scenario that fails returns its error
instead of stopping the whole run.
"""

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bench.load import (
    BenchError,
    Spec,
    Stats,
    close_clients,
    open_clients,
    run_traffic,
    send_burst,
    send_paced,
    wait_until,
)
from bench.servers import Servers, cpu_seconds, rss_kb

if TYPE_CHECKING:
    from bench.fixtures import Person


@dataclass(frozen=True)
class Sizes:
    burst_clients: int = 50
    burst_senders: int = 10
    burst_posts: int = 100  # per sender
    burst_window: int = 8  # un-acked posts per sender
    paced_clients: int = 50
    paced_senders: int = 10
    paced_rate: float = 50.0  # posts per second, all senders together
    paced_seconds: float = 10.0
    rooms: int = 100
    room_clients: int = 2
    room_posts: int = 50  # per client
    room_window: int = 4
    idle_stages: tuple[int, ...] = (1000, 5000)
    idle_rooms: int = 50
    send_timeout: float = 120.0
    straggler_timeout: float = 20.0

    def people_needed(self) -> int:
        return max(
            self.burst_clients,
            self.paced_clients,
            self.rooms * self.room_clients,
            max(self.idle_stages),
        )


QUICK = Sizes(
    burst_clients=10,
    burst_senders=3,
    burst_posts=20,
    paced_clients=10,
    paced_senders=2,
    paced_rate=10.0,
    paced_seconds=2.0,
    rooms=10,
    room_posts=10,
    idle_stages=(50, 100),
    idle_rooms=2,
    send_timeout=60.0,
    straggler_timeout=10.0,
)


class Context:
    """What every scenario of one configuration shares."""

    def __init__(
        self, servers: Servers, people: list["Person"], sizes: Sizes, tag: str, reference: bool
    ):
        self.servers = servers
        self.reference = reference  # the plain Channels chat (bench/echo.py): stores nothing
        self.people = people
        self.sizes = sizes
        self.tag = tag
        self._count = 0

    def rooms(self, name: str, count: int) -> list[str]:
        from bench import fixtures

        self._count += 1
        return fixtures.make_rooms(f"{self.tag}-{name}-{self._count}", count, self.people[0].pk)

    def spread(self, slugs_per_client: list[str], first_person: int = 0) -> list[Spec]:
        """Client i goes to daphne i mod N, as person `first_person + i`."""
        ports = self.servers.ports
        return [
            Spec(ports[i % len(ports)], slug, self.people[first_person + i].cookie)
            for i, slug in enumerate(slugs_per_client)
        ]


def _figures(name: str, outcome, persisted_ok: bool, persisted_note: str) -> dict:
    figures = {"scenario": name, **asdict(outcome)}
    figures["per_second"] = outcome.per_second
    figures["posts_per_second"] = outcome.posts / outcome.seconds if outcome.seconds else 0.0
    figures["persisted_ok"] = persisted_ok
    figures["persisted"] = persisted_note
    return figures


def _check_persisted(ctx: Context, slugs: list[str], posts_per_room: int) -> tuple[bool, str]:
    from bench import fixtures

    if ctx.reference:
        return True, "stores nothing"
    found = fixtures.persisted(slugs)
    ok = all(p.ok(posts_per_room) for p in found.values())
    rows = sum(p.rows for p in found.values())
    return ok, f"{rows}/{posts_per_room * len(slugs)}"


def burst(ctx: Context) -> dict:
    """One room, N clients, S of them post P messages each as fast as they are accepted."""
    s = ctx.sizes
    (slug,) = ctx.rooms("burst", 1)
    specs = ctx.spread([slug] * s.burst_clients)
    total = s.burst_senders * s.burst_posts

    def senders(clients):
        return [
            send_burst(clients[i], f"b{i}", s.burst_posts, s.burst_window)
            for i in range(s.burst_senders)
        ]

    outcome = asyncio.run(
        run_traffic(
            specs,
            senders,
            posts_by_room={slug: total},
            send_timeout=s.send_timeout,
            straggler_timeout=s.straggler_timeout,
            numbered=not ctx.reference,
        )
    )
    ok, note = _check_persisted(ctx, [slug], total)
    return _figures("burst", outcome, ok, note)


def paced(ctx: Context) -> dict:
    """One room, N clients; S senders post together `rate` messages/s for `seconds`."""
    s = ctx.sizes
    (slug,) = ctx.rooms("paced", 1)
    specs = ctx.spread([slug] * s.paced_clients)
    interval = s.paced_senders / s.paced_rate
    per_sender = round(s.paced_seconds / interval)
    total = per_sender * s.paced_senders

    def senders(clients):
        start = asyncio.get_running_loop().time() + 0.5
        return [
            send_paced(
                clients[i], f"p{i}", per_sender, start + i * interval / s.paced_senders, interval
            )
            for i in range(s.paced_senders)
        ]

    outcome = asyncio.run(
        run_traffic(
            specs,
            senders,
            posts_by_room={slug: total},
            send_timeout=s.paced_seconds + s.send_timeout,
            straggler_timeout=s.straggler_timeout,
            numbered=not ctx.reference,
        )
    )
    ok, note = _check_persisted(ctx, [slug], total)
    figures = _figures("paced", outcome, ok, note)
    figures["target_rate"] = s.paced_rate * s.paced_clients
    return figures


def rooms(ctx: Context) -> dict:
    """R rooms of C clients; every client posts P messages as fast as accepted."""
    s = ctx.sizes
    slugs = ctx.rooms("rooms", s.rooms)
    per_client = [slug for slug in slugs for _ in range(s.room_clients)]
    specs = ctx.spread(per_client)
    per_room = s.room_clients * s.room_posts

    def senders(clients):
        return [send_burst(c, f"r{i}", s.room_posts, s.room_window) for i, c in enumerate(clients)]

    outcome = asyncio.run(
        run_traffic(
            specs,
            senders,
            posts_by_room=dict.fromkeys(slugs, per_room),
            send_timeout=s.send_timeout,
            straggler_timeout=s.straggler_timeout,
            numbered=not ctx.reference,
        )
    )
    ok, note = _check_persisted(ctx, slugs, per_room)
    return _figures("rooms", outcome, ok, note)


async def _quiet(pid: int, limit: float = 30.0) -> float:
    """Wait until the process has finished the work the sockets caused (CPU < 10 % over 0.5 s).

    Joins cause presence broadcasts; memory measured while they are still in flight would count
    transient buffers as per-connection cost. Returns the seconds waited (bounded by `limit`).
    """
    started = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.05:
            break
        before = now
    return time.monotonic() - started


async def _idle(ctx: Context, slugs: list[str]) -> dict:
    s = ctx.sizes
    daphne = ctx.servers.daphnes[0]
    stats = Stats(record_latency=False)
    clients = []
    figures: dict = {"scenario": "idle"}
    try:
        await _quiet(daphne.pid)
        base = rss_kb(daphne.pid)
        figures["rss_base_kb"] = base
        opened = 0
        for stage in s.idle_stages:
            specs = [
                Spec(daphne.port, slugs[i % len(slugs)], ctx.people[i].cookie)
                for i in range(opened, stage)
            ]
            started = time.monotonic()
            clients += await open_clients(specs, stats, concurrency=50, within=120)
            figures[f"connect_s_{stage}"] = time.monotonic() - started
            opened = stage
            figures[f"settle_s_{stage}"] = await _quiet(daphne.pid)
            rss = rss_kb(daphne.pid)
            figures[f"rss_kb_{stage}"] = rss
            figures[f"kb_per_conn_{stage}"] = (rss - base) / stage
        # Still alive and still listening: one message per room reaches every idle socket.
        by_room: dict[str, list] = {}
        for client in clients:
            by_room.setdefault(client.spec.slug, []).append(client)
        await asyncio.gather(
            *(
                members[0].post(f"idle-{i}", "idle check")
                for i, members in enumerate(by_room.values())
            )
        )
        delivered = await wait_until(
            lambda: all(len(c.seen) >= 1 for c in clients), s.straggler_timeout
        )
        figures["idle_delivered"] = sum(1 for c in clients if c.seen)
        figures["idle_all_delivered"] = delivered
    finally:
        await close_clients(clients, within=120)
    figures["unexpected_closes"] = stats.unexpected_closes
    figures["failed_connects"] = stats.failed_connects
    figures["errors"] = dict(stats.errors)
    return figures


def idle(ctx: Context) -> dict:
    """Idle sockets to ONE daphne process: its RSS before, at each stage, per connection."""
    slugs = ctx.rooms("idle", ctx.sizes.idle_rooms)
    return asyncio.run(_idle(ctx, slugs))


def warm_up(ctx: Context) -> None:
    """Templates loaded, database and Redis connections open: the first scenario pays nothing."""
    (slug,) = ctx.rooms("warm", 1)
    specs = ctx.spread([slug] * len(ctx.servers.ports))
    posts = 20

    def senders(clients):
        return [send_burst(c, f"w{i}", posts, 4) for i, c in enumerate(clients)]

    asyncio.run(
        run_traffic(
            specs,
            senders,
            posts_by_room={slug: posts * len(specs)},
            send_timeout=60,
            straggler_timeout=10,
            record_latency=False,
            numbered=not ctx.reference,
        )
    )


SCENARIOS = {"burst": burst, "paced": paced, "rooms": rooms, "idle": idle}

__all__ = ["QUICK", "SCENARIOS", "BenchError", "Context", "Sizes", "warm_up"]
