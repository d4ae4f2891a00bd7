"""`python -m bench.api [--quick]`: the public API under load (issue 10), with 1 and 2 daphne
processes on PostgreSQL and Redis.

(a) 50 REST clients (httpx, each its own connection, JWT from /api/v1/auth/token/) reading
    message pages and posting with an Idempotency-Key for a fixed time: requests/s, p50/p99 per
    operation, errors; the reference is the same clients asking /healthz for as long (half
    before, half after), in the same run.
(b) 200 live-event subscribers on /ws/v1/events/ (first-frame auth, subscribe to one room)
    while posts go through REST: deliveries, lost (every acknowledged post must reach every
    subscriber), post -> delivery p50/p99.
(c) A room of 100,000 messages (bulk SQL, seq and event 1..N as the actions number them): a
    page near its start (`?before=`) timed against its first page, alternately, by one client;
    and the queries a page costs for limit 10, 50 and 100 (in process, CaptureQueriesContext).

Database nexus_bench_api (dropped and re-created), Redis db 13 (flushed). Bounded: fixed
durations and counts, a deadline on every wait, a hard timeout on the whole run. Writes the
`api` block of docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import logging
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.load import percentile
from bench.servers import (
    PROJECT_DIR,
    Servers,
    base_env,
    flush_redis,
    raise_open_files_limit,
    recreate_database,
    set_up_django,
    stop_after,
    write_block,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_api"
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "bench-api-" + secrets.token_hex(8)
HARD_TIMEOUT = 1200
REST_ROOM, LIVE_ROOM, BIG_ROOM = "rest", "live", "big"
REST_ROOM_MESSAGES = 1000
DEEP_BEFORE = 101  # the page before seq 101: seqs 51-100 of the big room
LIMITS = (10, 50, 100)
# 50 sign-ins at once made one process answer 500s: each holds a pooled connection through its
# PBKDF2 check, and the last ones waited past the pool's 10 s timeout. Clients sign in a few
# at a time, as people do.
SIGN_IN_AT_ONCE = 4
# The bench measures the server, not its limits: the API's and the posts' rate limits are off.
LIMITS_OFF = {
    "API_RATE_BURST": "100000000",
    "API_RATE_PER_MINUTE": "1000000000",
    "API_ACCESS_TOKEN_SECONDS": "3600",
}


@dataclass(frozen=True)
class Sizes:
    clients: int
    rest_seconds: float
    healthz_seconds: float  # in two halves, before and after the REST phase
    subscribers: int
    posters: int
    posts: int  # through REST while the subscribers listen, paced
    post_interval: float  # seconds between one poster's posts
    big_room: int
    page_repeats: int


FULL = Sizes(50, 20, 10, 200, 10, 200, 1.0, 100_000, 40)
QUICK = Sizes(50, 5, 4, 200, 10, 50, 1.0, 100_000, 15)


# --- Fixtures (in this process, outside any event loop) ------------------------------------------
def bulk_messages(room_id: int, author_id: int, count: int) -> None:
    """`count` messages in an empty room, in one statement: seq and event 1..count (what
    posting them one by one would have given), the room's last_seq and last_event after them,
    bodies rendered as render_markdown renders plain text."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_seq, last_event FROM chat_room WHERE id = %s FOR UPDATE", [room_id]
        )
        if cursor.fetchone() != (0, 0):
            raise RuntimeError("bulk_messages wants an empty room")
        cursor.execute(
            """
            INSERT INTO chat_message
                (room_id, seq, event, author_id, client_id, parent_id, body, body_html,
                 created_at, reply_count)
            SELECT %(room)s, n, n, %(author)s, 'bulk-' || n, NULL,
                'Message ' || n || ' of the bench',
                '<p>Message ' || n || ' of the bench</p>' || chr(10),
                now() - make_interval(secs => %(count)s - n), 0
            FROM generate_series(1, %(count)s) AS n
            """,
            {"room": room_id, "author": author_id, "count": count},
        )
        cursor.execute(
            "UPDATE chat_room SET last_seq = %(count)s, last_event = %(count)s WHERE id = %(room)s",
            {"room": room_id, "count": count},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chat_message")


def check_bulk_format() -> None:
    from nexus_live.markdown import render_markdown

    if render_markdown("Message 7 of the bench") != "<p>Message 7 of the bench</p>\n":
        raise RuntimeError("render_markdown changed: update bench.api.bulk_messages")


@dataclass
class Fixtures:
    emails: list[str]  # the REST clients, who sign in with PASSWORD
    subscriber_tokens: list[str]
    rooms: dict[str, int]
    big_seconds: float


def make_fixtures(sizes: Sizes) -> Fixtures:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from api import tokens
    from chat.actions import create_room

    check_bulk_format()
    hashed = make_password(PASSWORD)  # hashed once; each sign-in checks it (PBKDF2) anyway
    count = sizes.clients + sizes.subscribers
    users = User.objects.bulk_create(
        User(email=f"api{i}@bench.invalid", display_name=f"API {i}", password=hashed)
        for i in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    owner = users[0]
    rooms = {name: create_room(user=owner, name=name).pk for name in (REST_ROOM, LIVE_ROOM)}
    rooms[BIG_ROOM] = create_room(user=owner, name=BIG_ROOM).pk
    bulk_messages(rooms[REST_ROOM], owner.pk, REST_ROOM_MESSAGES)
    started = time.monotonic()
    bulk_messages(rooms[BIG_ROOM], owner.pk, sizes.big_room)
    big_seconds = time.monotonic() - started
    # The subscribers' tokens come from the function the sign-in view calls once the password
    # matches: 200 more PBKDF2 checks would only measure the hasher.
    subscriber_tokens = [tokens.sign_in(u).access for u in users[sizes.clients :]]
    return Fixtures(
        [u.email for u in users[: sizes.clients]], subscriber_tokens, rooms, big_seconds
    )


def room_rows(room_id: int) -> tuple[int, int, int]:
    """Rows, distinct seqs, and the room's last_seq."""
    from django.db.models import Count

    from chat.models import Message, Room

    agg = Message.objects.filter(room_id=room_id).aggregate(
        rows=Count("id"), seqs=Count("seq", distinct=True)
    )
    return agg["rows"], agg["seqs"], Room.objects.get(pk=room_id).last_seq


def query_counts(token: str, repeats: int) -> list[dict]:
    """Queries and in-process time of the big room's first page and a page near its start,
    for each limit, through the whole API stack (authentication, throttle, view)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/rooms/{BIG_ROOM}/messages/"
    rows = []
    for limit in LIMITS:
        for name, params in (("first", {}), ("deep", {"before": DEEP_BEFORE})):
            params = {**params, "limit": limit}
            client.get(url, params)  # warm
            counts, times = [], []
            for _ in range(repeats):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} {params} answered {response.status_code}")
                results = response.json()["results"]
                if len(results) != limit:
                    raise RuntimeError(f"{url} {params} answered {len(results)} messages")
                counts.append(len(captured.captured_queries))
            rows.append(
                {
                    "limit": limit,
                    "page": name,
                    "queries": max(counts),
                    "min_queries": min(counts),
                    "median_ms": statistics.median(times),
                    "seqs": f"{results[0]['seq']}-{results[-1]['seq']}",
                }
            )
    return rows


# --- (a) REST clients ------------------------------------------------------------------------
@dataclass
class Ops:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    posted: int = 0

    def record(self, op: str, started: float, ok: bool, what: str = "") -> None:
        self.latencies[op].append((time.perf_counter() - started) * 1000)
        if not ok:
            self.errors[f"{op}: {what}"] += 1


def _clients(ports: list[int], count: int) -> list[httpx.AsyncClient]:
    """One connection each (keep-alive), spread over the processes."""
    return [
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{ports[i % len(ports)]}",
            limits=httpx.Limits(max_connections=1),
            timeout=30,
        )
        for i in range(count)
    ]


async def sign_in_all(ports: list[int], emails: list[str]) -> tuple[list[str], float]:
    """Each REST client signs in, SIGN_IN_AT_ONCE at a time (see SIGN_IN_AT_ONCE)."""
    clients = _clients(ports, len(emails))
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)
    started = time.monotonic()

    async def one(client: httpx.AsyncClient, email: str) -> str:
        async with gate:
            answer = await client.post(
                "/api/v1/auth/token/", json={"email": email, "password": PASSWORD}
            )
        if answer.status_code != 200:
            raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:200]}")
        return answer.json()["access"]

    try:
        access = await asyncio.gather(*(one(c, e) for c, e in zip(clients, emails, strict=True)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return list(access), time.monotonic() - started


async def _healthz(clients: list[httpx.AsyncClient], seconds: float, ops: Ops) -> None:
    deadline = time.monotonic() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                answer = await client.get("/healthz")
                ops.record("/healthz", started, answer.status_code == 200, str(answer.status_code))
            except httpx.HTTPError as exc:
                ops.record("/healthz", started, False, type(exc).__name__)

    await asyncio.gather(*(loop(c) for c in clients))


async def _rest(
    clients: list[httpx.AsyncClient], tokens: list[str], seconds: float, ops: Ops
) -> list[tuple[int, str, int]]:
    """Each client: 40 % the newest page, 40 % a page before a random seq, 20 % a post.
    Returns (client, key, message id) of each client's first post, replayed at the end."""
    url = f"/api/v1/rooms/{REST_ROOM}/messages/"
    deadline = time.monotonic() + seconds
    firsts: list[tuple[int, str, int]] = []

    async def loop(index: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(index)  # noqa: S311 (a load mix, not a secret)
        headers = {"Authorization": f"Bearer {tokens[index]}"}
        first = True
        while time.monotonic() < deadline:
            pick = rng.random()
            started = time.perf_counter()
            try:
                if pick < 0.4:
                    op = "newest page"
                    answer = await client.get(url, headers=headers)
                    ok = answer.status_code == 200 and len(answer.json()["results"]) == 50
                elif pick < 0.8:
                    op = "page ?before="
                    before = rng.randint(60, REST_ROOM_MESSAGES)
                    answer = await client.get(url, params={"before": before}, headers=headers)
                    ok = answer.status_code == 200 and len(answer.json()["results"]) == 50
                else:
                    op = "post"
                    key = uuid.uuid4().hex
                    answer = await client.post(
                        url,
                        json={"body": f"REST post from client {index}"},
                        headers={**headers, "Idempotency-Key": key},
                    )
                    ok = answer.status_code == 201
                    if ok:
                        ops.posted += 1
                        if first:
                            firsts.append((index, key, answer.json()["id"]))
                            first = False
                ops.record(op, started, ok, str(answer.status_code))
            except httpx.HTTPError as exc:
                ops.record(op, started, False, type(exc).__name__)

    await asyncio.gather(*(loop(i, c) for i, c in enumerate(clients)))
    return firsts


async def _replays(clients, tokens, firsts) -> tuple[int, int]:
    """Each client's first post sent again with its key: the same message, marked replayed."""
    url = f"/api/v1/rooms/{REST_ROOM}/messages/"

    async def one(index: int, key: str, message_id: int) -> bool:
        answer = await clients[index].post(
            url,
            json={"body": f"REST post from client {index}"},
            headers={"Authorization": f"Bearer {tokens[index]}", "Idempotency-Key": key},
        )
        return (
            answer.status_code == 201
            and answer.headers.get("Idempotent-Replayed") == "true"
            and answer.json()["id"] == message_id
        )

    same = await asyncio.gather(*(one(*first) for first in firsts))
    return sum(same), len(firsts)


@dataclass
class RestResult:
    ops: Ops
    reference: Ops
    seconds: float
    reference_seconds: float
    replays_ok: int
    replays: int
    rows_made: int  # posts acknowledged, the warm-up's included


async def rest_phase(ports: list[int], tokens: list[str], sizes: Sizes) -> RestResult:
    clients = _clients(ports, sizes.clients)
    try:
        warm = Ops()
        await _healthz(clients, 1, warm)
        warm_rest = Ops()
        await _rest(clients, tokens, 1, warm_rest)
        reference, ops = Ops(), Ops()
        half = sizes.healthz_seconds / 2
        await _healthz(clients, half, reference)
        started = time.monotonic()
        firsts = await _rest(clients, tokens, sizes.rest_seconds, ops)
        seconds = time.monotonic() - started
        await _healthz(clients, half, reference)
        replays_ok, replays = await _replays(clients, tokens, firsts)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    rows_made = warm_rest.posted + ops.posted  # a replay makes none
    return RestResult(ops, reference, seconds, 2 * half, replays_ok, replays, rows_made)


# --- (b) live-event subscribers ----------------------------------------------------------------
class Subscriber:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.arrived: dict[int, int] = {}  # seq -> ns
        self.duplicates = 0
        self.errors: list[str] = []
        self.synced = asyncio.Event()
        self.closed_early = False

    async def run(self, stop: asyncio.Event) -> None:
        async with connect(
            f"ws://127.0.0.1:{self.port}/ws/v1/events/",
            origin="http://client.bench.invalid",
            compression=None,
            ping_interval=None,
            max_queue=None,
            open_timeout=60,
            close_timeout=5,
        ) as ws:
            await ws.send(json.dumps({"action": "auth", "token": self.token}))
            reader = asyncio.ensure_future(self._read(ws))
            await stop.wait()
            reader.cancel()

    async def _read(self, ws) -> None:
        try:
            async for text in ws:
                now = time.time_ns()
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "ready":
                    await ws.send(json.dumps({"action": "subscribe", "room": LIVE_ROOM}))
                elif kind == "synced":
                    self.synced.set()
                elif kind == "message" and frame.get("room") == LIVE_ROOM:
                    if frame["seq"] in self.arrived:
                        self.duplicates += 1
                    else:
                        self.arrived[frame["seq"]] = now
                elif kind == "error":
                    self.errors.append(frame.get("code", "?"))
        except ConnectionClosed:
            self.closed_early = True


@dataclass
class LiveResult:
    subscribers: int
    acked: int
    refused: int
    expected: int
    delivered: int
    lost: int
    duplicates: int
    p50: float | None
    p99: float | None
    max_ms: float | None
    seconds: float
    connect_seconds: float
    errors: int
    closed_early: int


async def live_phase(
    ports: list[int], post_tokens: list[str], sub_tokens: list[str], sizes: Sizes
) -> LiveResult:
    stop = asyncio.Event()
    subs = [Subscriber(ports[i % len(ports)], t) for i, t in enumerate(sub_tokens)]
    started = time.monotonic()
    gate = asyncio.Semaphore(50)

    async def opened(sub: Subscriber) -> None:
        async with gate:
            task = asyncio.ensure_future(sub.run(stop))
            await asyncio.wait_for(sub.synced.wait(), 60)
            return task

    tasks = await asyncio.gather(*(opened(s) for s in subs))
    connect_seconds = time.monotonic() - started
    sent: dict[int, int] = {}  # seq -> ns the post was sent
    refused = 0
    clients = _clients(ports, sizes.posters)
    url = f"/api/v1/rooms/{LIVE_ROOM}/messages/"
    per_poster = sizes.posts // sizes.posters
    run = uuid.uuid4().hex[:8]  # the same poster posts in each run: new keys each time

    async def poster(index: int) -> None:
        nonlocal refused
        client = clients[index]
        headers = {"Authorization": f"Bearer {post_tokens[index]}"}
        loop = asyncio.get_running_loop()
        begin = loop.time() + index * sizes.post_interval / sizes.posters  # spread evenly
        for k in range(per_poster):
            delay = begin + k * sizes.post_interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            at = time.time_ns()
            try:
                answer = await client.post(
                    url,
                    json={"body": f"live post {index}.{k}"},
                    headers={**headers, "Idempotency-Key": f"live-{run}-{index}-{k}"},
                )
            except httpx.HTTPError:
                refused += 1
                continue
            # A replay would answer an old message: keys are new in every run, so none is.
            if answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers:
                sent[answer.json()["seq"]] = at
            else:
                refused += 1

    posting = time.monotonic()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(poster(i) for i in range(sizes.posters))),
            per_poster * sizes.post_interval + 60,
        )
        deadline = time.monotonic() + 30  # stragglers
        while time.monotonic() < deadline and any(  # noqa: ASYNC110 (polling many sockets)
            seq not in s.arrived for s in subs for seq in sent
        ):
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - posting
        await asyncio.sleep(0.3)  # a late duplicate would show up here
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(c.aclose() for c in clients))
    latencies = [
        (s.arrived[seq] - at) / 1e6 for s in subs for seq, at in sent.items() if seq in s.arrived
    ]
    expected = len(sent) * len(subs)
    return LiveResult(
        subscribers=len(subs),
        acked=len(sent),
        refused=refused,
        expected=expected,
        delivered=len(latencies),
        lost=expected - len(latencies),
        duplicates=sum(s.duplicates for s in subs),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        max_ms=max(latencies) if latencies else None,
        seconds=seconds,
        connect_seconds=connect_seconds,
        errors=sum(len(s.errors) for s in subs),
        closed_early=sum(s.closed_early for s in subs),
    )


# --- (c) a deep page against the first ----------------------------------------------------------
async def deep_phase(port: int, token: str, repeats: int) -> dict[str, list[float]]:
    """One client, one request at a time, alternating: the first page, the page near the
    start, /healthz (the floor)."""
    url = f"/api/v1/rooms/{BIG_ROOM}/messages/"
    asks = {
        "first page": (url, {}),
        f"?before={DEEP_BEFORE}": (url, {"before": DEEP_BEFORE}),
        "/healthz": ("/healthz", {}),
    }
    times: dict[str, list[float]] = {name: [] for name in asks}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for round_ in range(repeats + 2):
            for name, (path, params) in asks.items():
                started = time.perf_counter()
                answer = await client.get(path, params=params, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"{path} {params} answered {answer.status_code}")
                if round_ >= 2:  # two warm-up rounds
                    times[name].append(elapsed)
    return times


# --- Report --------------------------------------------------------------------------------------
def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _rest_rows(count: int, rest: RestResult) -> list[str]:
    rows = []
    ref_n = len(rest.reference.latencies["/healthz"])
    ref_rate = ref_n / rest.reference_seconds
    total = sum(len(v) for v in rest.ops.latencies.values())
    for op in ("newest page", "page ?before=", "post"):
        lat = rest.ops.latencies.get(op, [])
        errors = sum(n for k, n in rest.ops.errors.items() if k.startswith(f"{op}:"))
        rows.append(
            f"| {count} | {op} | {len(lat):,} | {len(lat) / rest.seconds:,.0f} | "
            f"{_ms(percentile(lat, 0.5))} | {_ms(percentile(lat, 0.99))} | {errors} | |"
        )
    all_lat = [x for v in rest.ops.latencies.values() for x in v]
    rows.append(
        f"| {count} | **all API** | {total:,} | **{total / rest.seconds:,.0f}** | "
        f"{_ms(percentile(all_lat, 0.5))} | {_ms(percentile(all_lat, 0.99))} | "
        f"{sum(rest.ops.errors.values())} | **{total / rest.seconds / ref_rate:.2f}** |"
    )
    ref = rest.reference.latencies["/healthz"]
    rows.append(
        f"| {count} | /healthz (reference) | {ref_n:,} | {ref_rate:,.0f} | "
        f"{_ms(percentile(ref, 0.5))} | {_ms(percentile(ref, 0.99))} | "
        f"{sum(rest.reference.errors.values())} | 1 |"
    )
    return rows


def report(args, sizes: Sizes, fx: Fixtures, runs: dict, counts: list[dict], extra: dict) -> None:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = "python -m bench.api" + (" --quick" if args.quick else "")
    loads = ", ".join(f"{run['load']:.1f}" for run in runs.values())
    lines = [
        "<!-- api:start -->",
        "## The public API (issue 10)",
        "",
        f"Run {when} by `{command}` ({extra['seconds']:.0f} s): daphne processes on free ports "
        "(clients spread over them, no proxy), PostgreSQL and Redis as above (database "
        "nexus_bench_api, Redis db 13); the API's request limits and the posting limit "
        "turned off (they are what is measured elsewhere). Load average (1 min) at the start "
        f"of each run: {loads} on 2 shared cores: "
        "compare ratios within a run, not absolute figures between runs.",
        "",
        f"**REST**: {sizes.clients} clients (httpx, one keep-alive connection each, a JWT each "
        f"from `/api/v1/auth/token/`: {sizes.clients} sign-ins took "
        f"{extra['sign_in_seconds']:.1f} s, PBKDF2 included), each as fast as its answers come "
        f"for {sizes.rest_seconds:.0f} s: 40 % the newest page of a room of "
        f"{REST_ROOM_MESSAGES:,} messages, 40 % the page before a random seq, 20 % a post with "
        "an `Idempotency-Key` (pages of 50). Reference: the same clients asking `/healthz` "
        f"for {sizes.healthz_seconds:.0f} s (half before, half after). *Ratio*: API requests/s "
        "over /healthz requests/s of the same run.",
        "",
        "| daphne processes | operation | requests | requests/s | p50 ms | p99 ms | errors "
        "| ratio to /healthz |",
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for count, run in runs.items():
        lines += _rest_rows(count, run["rest"])
    checks = []
    for count, run in runs.items():
        rest = run["rest"]
        rows, seqs, last = run["rest_rows"]
        want = REST_ROOM_MESSAGES + run["rest_posted_total"]
        checks.append(
            f"{count} process{'es' if count > 1 else ''}: {rest.replays_ok} of {rest.replays} "
            f"replays answered the first message (`Idempotent-Replayed: true`), the room holds "
            f"{rows:,} rows for {want:,} expected, seqs distinct and gapless: "
            f"{'yes' if rows == seqs == last == want else 'NO'}"
        )
    lines += ["", "Idempotency: " + "; ".join(checks) + "."]
    lines += [
        "",
        f"**Live events**: {sizes.subscribers} subscribers on `/ws/v1/events/` (auth frame, "
        f"subscribe to one room), while {sizes.posters} REST clients post {sizes.posts} "
        f"messages into it ({sizes.posters / sizes.post_interval:.0f} a second in all, each "
        "client to its own process in turn). *Lost*: (subscriber, acknowledged post) pairs "
        "never received (30 s allowed for stragglers). Latency: from sending the POST to a "
        "subscriber receiving the message.",
        "",
        "| daphne processes | subscribers | posts acknowledged | refused | deliveries | lost "
        "| duplicates | p50 ms | p99 ms | max ms | deliveries/s | subscribers connected in s "
        "| error frames | closed early | server errors |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for count, run in runs.items():
        live: LiveResult = run["live"]
        lines.append(
            f"| {count} | {live.subscribers} | {live.acked} | {live.refused} | "
            f"{live.delivered:,} of {live.expected:,} | **{live.lost}** | {live.duplicates} | "
            f"{_ms(live.p50)} | {_ms(live.p99)} | {_ms(live.max_ms)} | "
            f"{live.delivered / live.seconds:,.0f} | {live.connect_seconds:.1f} | "
            f"{live.errors} | {live.closed_early} | {run['server_errors']} |"
        )
    lines += [
        "",
        f"**A room of {sizes.big_room:,} messages** (inserted by one `INSERT … SELECT "
        f"generate_series` in {fx.big_seconds:.1f} s: seq and event 1..N, the room's last_seq "
        "and last_event N, as posting them would leave it). One client, one request at a time, "
        f"{sizes.page_repeats} rounds of: the first page (the newest 50), the page "
        f"`?before={DEEP_BEFORE}` (seqs {DEEP_BEFORE - 50}-{DEEP_BEFORE - 1}, near the start), "
        "`/healthz`. *Ratio*: deep page median over first page median, same run.",
        "",
        "| daphne processes | first page median ms | p99 | deep page median ms | p99 | "
        "**deep / first** | /healthz median ms |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    deep_key = f"?before={DEEP_BEFORE}"
    for count, run in runs.items():
        t = run["deep"]
        first, deep = statistics.median(t["first page"]), statistics.median(t[deep_key])
        lines.append(
            f"| {count} | {_ms(first)} | {_ms(percentile(t['first page'], 0.99))} | "
            f"{_ms(deep)} | {_ms(percentile(t[deep_key], 0.99))} | **{deep / first:.2f}** | "
            f"{_ms(statistics.median(t['/healthz']))} |"
        )
    lines += [
        "",
        "Queries a page costs, in process through the whole API stack (bearer token, throttle, "
        "view, serialisation), `CaptureQueriesContext`, the same database, "
        f"{args.query_repeats} requests each (median time):",
        "",
        "| limit | first page: queries | median ms | deep page: queries | median ms | seqs of "
        "the deep page |",
        "|--:|--:|--:|--:|--:|---|",
    ]
    by = {(row["limit"], row["page"]): row for row in counts}
    for limit in LIMITS:
        first, deep = by[(limit, "first")], by[(limit, "deep")]
        lines.append(
            f"| {limit} | {first['queries']} | {first['median_ms']:.1f} | {deep['queries']} | "
            f"{deep['median_ms']:.1f} | {deep['seqs']} |"
        )
    lines += ["", *extra["conclusion"], "<!-- api:end -->"]
    write_block("api", lines)
    print("\n".join(lines))


def conclusion(runs: dict, counts: list[dict]) -> list[str]:
    lost = sum(run["live"].lost for run in runs.values())
    ratios = [
        statistics.median(run["deep"][f"?before={DEEP_BEFORE}"])
        / statistics.median(run["deep"]["first page"])
        for run in runs.values()
    ]
    query_sets = {row["queries"] for row in counts}
    rest = [
        sum(map(len, run["rest"].ops.latencies.values()))
        / run["rest"].seconds
        / (len(run["rest"].reference.latencies["/healthz"]) / run["rest"].reference_seconds)
        for run in runs.values()
    ]
    flat = "the same for every limit and both pages" if len(query_sets) == 1 else "NOT constant"
    delivered = "every acknowledged post reached every subscriber (0 lost)"
    if lost:
        delivered = f"{lost} deliveries of acknowledged posts were LOST (target 0)"
    return [
        f"What it means: {delivered}; a page near the start of "
        f"{runs[next(iter(runs))]['big']:,} messages costs "
        f"{' and '.join(f'{r:.2f}x' for r in ratios)} the first page (per process count): the "
        "`(room, seq)` index finds either end alike, so depth does not cost; the queries a "
        f"page makes are {flat} ({', '.join(map(str, sorted(query_sets)))}), so they do not "
        "grow with page size. A REST request (auth, a page of 50 rendered as the live events' "
        f"data, or a post) is served at {' and '.join(f'{r:.2f}' for r in rest)} times the rate "
        "of `/healthz` through the same clients: what the API's own work costs against the bare "
        "cost of a request through daphne on this machine.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter phases, fewer posts")
    parser.add_argument("--procs", default="1,2", help="daphne process counts, e.g. 1,2")
    parser.add_argument("--query-repeats", type=int, default=20)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop_after(HARD_TIMEOUT, "bench.api")
    began = time.monotonic()
    raise_open_files_limit()
    recreate_database(DATABASE_URL)
    flush_redis(REDIS_URL)
    env = base_env(
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        secret_key=secrets.token_urlsafe(50),
        layer_env=dict(LIMITS_OFF),
    )
    set_up_django(
        env,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        HTTP_LOG_LEVEL="WARNING",
        **LIMITS_OFF,
    )
    print("bench.api: fixtures", flush=True)
    fx = make_fixtures(sizes)
    counts = query_counts(fx.subscriber_tokens[0], args.query_repeats)
    from django.db import connection

    connection.close()

    runs: dict[int, dict] = {}
    rest_tokens: list[str] = []
    sign_in_seconds = 0.0
    for count in (int(x) for x in args.procs.split(",")):
        print(f"bench.api: {count} process(es)", flush=True)
        load = os.getloadavg()[0]
        with Servers(env, PROJECT_DIR / "var" / "bench" / "logs", count, f"api{count}") as s:
            if not rest_tokens:
                rest_tokens, sign_in_seconds = asyncio.run(sign_in_all(s.ports, fx.emails))
            rest = asyncio.run(rest_phase(s.ports, rest_tokens, sizes))
            live = asyncio.run(live_phase(s.ports, rest_tokens, fx.subscriber_tokens, sizes))
            deep = asyncio.run(deep_phase(s.ports[0], rest_tokens[0], sizes.page_repeats))
            problems = s.problems()
        posted_before = sum(r["rest"].rows_made for r in runs.values())
        runs[count] = {
            "load": load,
            "rest": rest,
            "live": live,
            "deep": deep,
            "big": sizes.big_room,
            "server_errors": len(problems),
            "rest_rows": room_rows(fx.rooms[REST_ROOM]),
            "rest_posted_total": posted_before + rest.rows_made,
        }
        connection.close()
        for line in problems[:5]:
            print(f"  server: {line}", flush=True)
    extra = {
        "seconds": time.monotonic() - began,
        "sign_in_seconds": sign_in_seconds,
        "conclusion": conclusion(runs, counts),
    }
    report(args, sizes, fx, runs, counts, extra)
    ok = all(r["live"].lost == 0 and r["server_errors"] == 0 for r in runs.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
