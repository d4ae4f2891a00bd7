"""The load generator: room sockets (websockets asyncio client) and the scenarios' traffic.

Every wait is bounded. A message's body carries its send time (`t=<time_ns>`); each recipient
takes the difference with its receive time, and checks the seqs it got: each exactly once.
"""

import asyncio
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SENT_AT = re.compile(r"\bt=(\d{16,20})\b")
POST_ATTEMPTS = 20


class BenchError(Exception):
    pass


@dataclass
class Stats:
    """Shared by every client of one scenario."""

    record_latency: bool = True
    latencies_ms: list[float] = field(default_factory=list)
    deliveries: int = 0
    first_send_ns: int = 0
    last_delivery_ns: int = 0
    acks: int = 0
    errors: Counter = field(default_factory=Counter)
    retries: int = 0
    unexpected_closes: int = 0
    failed_connects: int = 0
    duplicate_sample: list[str] = field(default_factory=list)
    sent_ids: dict[str, set[str]] = field(default_factory=dict)  # room -> client ids posted

    def sent(self) -> None:
        if not self.first_send_ns:
            self.first_send_ns = time.time_ns()


@dataclass(frozen=True)
class Spec:
    """One socket to open: which server, which room, as whom."""

    port: int
    slug: str
    cookie: str


class Client:
    def __init__(self, spec: Spec, stats: Stats, name: str) -> None:
        self.spec = spec
        self.stats = stats
        self.name = name
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.seen: set[int] = set()
        self.duplicates = 0
        self.pending: dict[str, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None
        self.closing = False
        self.close_reason = ""

    async def open(self, within: float) -> None:
        port = self.spec.port
        self.ws = await connect(
            f"ws://127.0.0.1:{port}/ws/rooms/{self.spec.slug}/?since=0",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": self.spec.cookie},
            compression=None,
            ping_interval=None,  # daphne pings; the client answers by itself
            max_queue=None,  # never push back on the server: we measure it, not us
            max_size=2**20,
            open_timeout=within,
            close_timeout=5,
        )
        self.reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.synced.wait(), within)

    async def _read(self) -> None:
        stats = self.stats
        try:
            async for raw in self.ws:
                now = time.time_ns()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    seq = frame["seq"]
                    if seq in self.seen:
                        self.duplicates += 1
                        if len(stats.duplicate_sample) < 10:
                            stats.duplicate_sample.append(f"{self.spec.slug}#{seq}@{self.name}")
                    else:
                        self.seen.add(seq)
                    stats.deliveries += 1
                    stats.last_delivery_ns = now
                    if stats.record_latency:
                        match = SENT_AT.search(frame["html"])
                        if match:
                            stats.latencies_ms.append((now - int(match.group(1))) / 1e6)
                elif kind == "ack" or kind == "error":
                    if kind == "error":
                        stats.errors[frame.get("code", "?")] += 1
                    future = self.pending.pop(frame.get("client_id") or "", None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                elif kind == "synced":
                    self.synced.set()
        except ConnectionClosed as exc:
            self.close_reason = f"{exc.rcvd!r} / {exc.sent!r}"
        finally:
            if not self.closing:
                stats.unexpected_closes += 1
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(
                        BenchError(f"{self.name}: socket closed ({self.close_reason})")
                    )

    async def post(self, client_id: str, text: str) -> dict:
        """Post until acknowledged; a rate-limited post is retried with the same client id."""
        self.stats.sent_ids.setdefault(self.spec.slug, set()).add(client_id)
        for _ in range(POST_ATTEMPTS):
            future = asyncio.get_running_loop().create_future()
            self.pending[client_id] = future
            self.stats.sent()
            body = f"{text} t={time.time_ns()}"
            await self.ws.send(json.dumps({"action": "post", "client_id": client_id, "body": body}))
            reply = await future
            if reply["type"] == "ack":
                self.stats.acks += 1
                return reply
            if reply.get("code") != "rate_limited":
                raise BenchError(f"{self.name}: post refused: {reply}")
            self.stats.retries += 1
            await asyncio.sleep(min(float(reply.get("retry_after") or 0.05), 1.0))
        raise BenchError(f"{self.name}: still rate limited after {POST_ATTEMPTS} attempts")

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader


async def open_clients(
    specs: Iterable[Spec], stats: Stats, *, concurrency: int = 50, within: float = 60
) -> list[Client]:
    """Open every socket (at most `concurrency` handshakes at once) and wait for "synced"."""
    gate = asyncio.Semaphore(concurrency)
    clients = [Client(spec, stats, f"client-{i}") for i, spec in enumerate(specs)]

    async def one(client: Client) -> None:
        async with gate:
            try:
                await client.open(within)
            except (OSError, TimeoutError, ConnectionClosed) as exc:
                stats.failed_connects += 1
                client.closing = True
                raise BenchError(f"{client.name} could not connect: {exc!r}") from exc

    results = await asyncio.gather(*(one(c) for c in clients), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        await close_clients([c for c in clients if c.ws is not None])
        raise BenchError(f"{len(failures)} of {len(clients)} sockets failed: {failures[0]}")
    return clients


async def close_clients(clients: list[Client], within: float = 60) -> None:
    gate = asyncio.Semaphore(200)

    async def one(client: Client) -> None:
        async with gate:
            await client.close()

    await asyncio.wait_for(
        asyncio.gather(*(one(c) for c in clients), return_exceptions=True), within
    )


async def wait_until(done: Callable[[], bool], within: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def send_burst(client: Client, tag: str, count: int, window: int) -> None:
    """`count` posts as fast as they are accepted, at most `window` of them unacknowledged."""
    gate = asyncio.Semaphore(window)

    async def one(k: int) -> None:
        async with gate:
            await client.post(f"{tag}-{k}", f"burst {tag} #{k}")

    await asyncio.gather(*(one(k) for k in range(count)))


async def send_paced(client: Client, tag: str, count: int, start: float, interval: float) -> None:
    """One post every `interval` seconds from `start` (loop time), not waiting for acks."""
    loop = asyncio.get_running_loop()
    posts = []
    for k in range(count):
        delay = start + k * interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        posts.append(asyncio.create_task(client.post(f"{tag}-{k}", f"paced {tag} #{k}")))
    await asyncio.gather(*posts)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


@dataclass
class Outcome:
    """What one traffic run measured; `rooms` maps slug -> number of posts acknowledged."""

    deliveries: int
    expected_deliveries: int
    lost: int
    duplicates: int
    seconds: float
    posts: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: dict
    retries: int
    unexpected_closes: int
    failed_connects: int
    duplicate_sample: list[str]
    lost_sample: list[str]

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0


def outcome(
    stats: Stats,
    by_room: dict[str, list[Client]],
    posts_by_room: dict[str, int],
    numbered: bool = True,
) -> Outcome:
    """`numbered`: each room's messages must be seqs 1..N; else (the reference chat, which
    numbers nothing) they are the client ids posted to the room."""
    expected = lost = duplicates = 0
    lost_sample: list[str] = []
    for slug, clients in by_room.items():
        if numbered:
            want = set(range(1, posts_by_room.get(slug, 0) + 1))
        else:
            want = stats.sent_ids.get(slug, set())
        for client in clients:
            expected += len(want)
            missing = want - client.seen
            lost += len(missing)
            duplicates += client.duplicates
            lost_sample += [f"{slug}#{seq}@{client.name}" for seq in sorted(missing)[:3]]
    seconds = (
        (stats.last_delivery_ns - stats.first_send_ns) / 1e9
        if stats.first_send_ns and stats.last_delivery_ns
        else 0.0
    )
    lat = stats.latencies_ms
    return Outcome(
        deliveries=stats.deliveries,
        expected_deliveries=expected,
        lost=lost,
        duplicates=duplicates,
        seconds=seconds,
        posts=stats.acks,
        p50_ms=percentile(lat, 0.50),
        p99_ms=percentile(lat, 0.99),
        max_ms=max(lat) if lat else None,
        errors=dict(stats.errors),
        retries=stats.retries,
        unexpected_closes=stats.unexpected_closes,
        failed_connects=stats.failed_connects,
        duplicate_sample=stats.duplicate_sample,
        lost_sample=lost_sample[:10],
    )


async def run_traffic(
    specs: list[Spec],
    senders: Callable[[list[Client]], list[Awaitable[None]]],
    *,
    posts_by_room: dict[str, int],
    send_timeout: float,
    straggler_timeout: float,
    record_latency: bool = True,
    numbered: bool = True,
) -> Outcome:
    """Open the sockets, run the senders, wait (bounded) for every delivery, close, measure."""
    stats = Stats(record_latency=record_latency)
    clients = await open_clients(specs, stats)
    by_room: dict[str, list[Client]] = {}
    for client in clients:
        by_room.setdefault(client.spec.slug, []).append(client)
    try:
        await asyncio.wait_for(asyncio.gather(*senders(clients)), send_timeout)
        wanted = {slug: posts_by_room.get(slug, 0) for slug in by_room}

        def all_delivered() -> bool:
            return all(len(c.seen) >= wanted[slug] for slug, cs in by_room.items() for c in cs)

        await wait_until(all_delivered, straggler_timeout)
        await asyncio.sleep(0.2)  # a late duplicate would show up here
    finally:
        await close_clients(clients)
    return outcome(stats, by_room, posts_by_room, numbered)
