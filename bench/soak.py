"""`make soak` (`python -m bench.soak --minutes 20`): moderate steady traffic through the proxy
for a bounded time, to see what grows.

HAProxy in front of 2 daphne processes (bench/cluster.py), a redis-server of its own, the
PostgreSQL database nexus_bench_faults (dropped and re-created: the fault suite's, so the two
do not run at the same time). Traffic: rooms where one person posts every second and the
others read and ping as live.js does; a board where editors change cards while viewers watch.
Every minute: post-to-delivery latency (p50, p99), deliveries, and each daphne's memory and
open file descriptors; Redis's memory at the start and the end. Writes its block of
docs/benchmarks.md. Bounded: `--minutes` (default 20) plus a minute of setup and settling;
127.0.0.1 only; every process started here is stopped by its PID.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field

import redis
from websockets.asyncio.client import connect

from bench import servers
from bench.cluster import Cluster
from bench.faults import DATABASE_URL, OwnRedis  # the fault suite's database, not at once

PROXY_PORT, REDIS_PORT = 8440, 6395
ROOMS, READERS = 5, 4  # per room: one poster and this many readers
EDITORS, VIEWERS, CARDS = 4, 6, 8
POST_EVERY, EDIT_EVERY, PING_EVERY = 1.0, 2.0, 10.0
SENT_AT = re.compile(r"sent (\d{19})")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


@dataclass
class Window:
    """One minute of the run."""

    latencies_ms: list[float] = field(default_factory=list)
    posts: int = 0
    edits: int = 0
    errors: int = 0


@dataclass
class Run:
    started: float = field(default_factory=time.monotonic)
    windows: list[Window] = field(default_factory=lambda: [Window()])
    stopping: bool = False
    reconnects: int = 0
    lost: int = 0

    @property
    def now(self) -> Window:
        return self.windows[-1]


async def _nothing(*args: object) -> None:
    pass


async def _socket_loop(
    url: str, cookie: str, run: Run, on_open, on_frame, on_tick=_nothing
) -> None:
    """Keep one socket open (reconnecting after a short pause if it closes); ping as live.js
    does, hand every frame to `on_frame`, call `on_tick` at least every 0.2 s."""
    origin = f"http://127.0.0.1:{PROXY_PORT}"
    while not run.stopping:
        try:
            async with connect(url, origin=origin, additional_headers={"Cookie": cookie}) as ws:
                await on_open(ws)
                next_ping = time.monotonic() + PING_EVERY
                while not run.stopping:
                    try:
                        text = await asyncio.wait_for(ws.recv(), 0.2)
                    except TimeoutError:
                        text = None
                    if text is not None:
                        await on_frame(ws, json.loads(text))
                    await on_tick(ws)
                    if time.monotonic() >= next_ping:
                        await ws.send('{"action":"ping"}')
                        next_ping = time.monotonic() + PING_EVERY
        except Exception:
            if run.stopping:
                return
            run.reconnects += 1
            await asyncio.sleep(1)


async def room_reader(slug: str, cookie: str, run: Run, seen: set[int]) -> None:
    url = f"ws://127.0.0.1:{PROXY_PORT}/ws/rooms/{slug}/"

    async def on_open(ws) -> None:
        await ws.send(json.dumps({"action": "sync", "since": max(seen, default=0)}))

    async def on_frame(ws, frame: dict) -> None:
        if frame.get("type") != "message" or frame["seq"] in seen:
            return
        seen.add(frame["seq"])
        if match := SENT_AT.search(frame.get("html", "")):
            run.now.latencies_ms.append((time.time_ns() - int(match.group(1))) / 1e6)

    await _socket_loop(url, cookie, run, on_open, on_frame)


async def room_poster(slug: str, cookie: str, run: Run, posted: list[int]) -> None:
    url = f"ws://127.0.0.1:{PROXY_PORT}/ws/rooms/{slug}/"
    state = {"next": time.monotonic()}

    async def on_frame(ws, frame: dict) -> None:
        if frame.get("type") == "ack":
            posted.append(frame["seq"])
        elif frame.get("type") == "error":
            run.now.errors += 1

    async def on_tick(ws) -> None:
        if time.monotonic() >= state["next"]:
            state["next"] += POST_EVERY
            client_id = f"soak-{secrets.token_hex(8)}"
            body = f"steady traffic, sent {time.time_ns()}"
            await ws.send(json.dumps({"action": "post", "client_id": client_id, "body": body}))
            run.now.posts += 1

    await _socket_loop(url, cookie, run, _nothing, on_frame, on_tick)


async def board_editor(board: int, card: int, cookie: str, run: Run) -> None:
    url = f"ws://127.0.0.1:{PROXY_PORT}/ws/boards/{board}/"
    state = {"version": 1, "next": time.monotonic(), "n": 0}

    async def on_frame(ws, frame: dict) -> None:
        if frame.get("type") == "card" and frame.get("id") == card:
            state["version"] = max(state["version"], frame["version"])
        elif frame.get("type") == "saved":
            run.now.edits += 1
        elif frame.get("type") == "error":
            run.now.errors += 1

    async def on_tick(ws) -> None:
        if time.monotonic() >= state["next"]:
            state["next"] += EDIT_EVERY
            state["n"] += 1
            fields = {"solution": f"edit {state['n']}\n"}
            edit = {"action": "edit", "card": card, "version": state["version"], "fields": fields}
            await ws.send(json.dumps(edit))

    await _socket_loop(url, cookie, run, _nothing, on_frame, on_tick)


async def board_viewer(board: int, cookie: str, run: Run) -> None:
    url = f"ws://127.0.0.1:{PROXY_PORT}/ws/boards/{board}/"
    await _socket_loop(url, cookie, run, _nothing, _nothing)


def _setup() -> tuple[list, list[str], int, list[int]]:
    from accounts.models import Membership, Role, Team, User
    from bench.fixtures import make_people, make_rooms
    from boards import actions

    people = make_people(ROOMS * (READERS + 1) + EDITORS + VIEWERS + 1)
    owner = people[-1]
    tag = secrets.token_hex(3)
    slugs = make_rooms(f"soak-{tag}", ROOMS, owner.pk)
    team = Team.objects.create(name=f"Soak {tag}", slug=f"soak-{tag}")
    Membership.objects.bulk_create(
        Membership(team=team, user_id=p.pk, role=Role.MEMBER) for p in people
    )
    user = User.objects.get(pk=owner.pk)
    board = actions.create_board(user=user, name="Soak", team=team)
    cards = [
        actions.create_card(board=board, user=user, title=f"card {i}").pk for i in range(CARDS)
    ]
    return people, slugs, board.pk, cards


async def soak(cluster: Cluster, own_redis: OwnRedis, minutes: float, setup) -> dict:
    people, slugs, board, cards = setup
    run = Run()
    seen = [[set() for _ in range(READERS)] for _ in slugs]
    posted: list[list[int]] = [[] for _ in slugs]
    tasks = []
    p = iter(people)
    for r, slug in enumerate(slugs):
        tasks.append(asyncio.create_task(room_poster(slug, next(p).cookie, run, posted[r])))
        for k in range(READERS):
            tasks.append(asyncio.create_task(room_reader(slug, next(p).cookie, run, seen[r][k])))
    for e in range(EDITORS):
        card = cards[e % len(cards)]
        tasks.append(asyncio.create_task(board_editor(board, card, next(p).cookie, run)))
    for _ in range(VIEWERS):
        tasks.append(asyncio.create_task(board_viewer(board, next(p).cookie, run)))

    client = redis.Redis(port=own_redis.port)
    samples = []

    def sample(minute: float) -> dict:
        return {
            "minute": minute,
            "rss_kb": [servers.rss_kb(d.pid) for d in cluster.daphnes],
            "fds": [open_fds(d.pid) for d in cluster.daphnes],
            "redis_kb": client.info("memory")["used_memory"] // 1024,
            "load": os.getloadavg()[0],  # the whole machine, shared with other work
        }

    await asyncio.sleep(10)  # everyone connected and warm: the reference
    run.windows = [Window()]
    samples.append(sample(0))
    for minute in range(1, int(minutes) + 1):
        await asyncio.sleep(60)
        samples.append(sample(minute))
        print(f"minute {minute}: {_window_row(run.now, samples[-1])}", flush=True)
        run.windows.append(Window())
    await asyncio.sleep(5)  # the last posts arrive (counted in a window of their own, dropped)
    run.stopping = True
    await asyncio.gather(*tasks, return_exceptions=True)
    run.windows.pop()
    for r in range(len(slugs)):
        acked = set(posted[r])
        for k in range(READERS):
            run.lost += len(acked - seen[r][k])
    return {"run": run, "samples": samples}


def _window_row(window: Window, sample: dict) -> str:
    p50 = statistics.median(window.latencies_ms) if window.latencies_ms else 0.0
    p99 = percentile(window.latencies_ms, 0.99)
    rss = " / ".join(f"{kb / 1024:.1f}" for kb in sample["rss_kb"])
    fds = " / ".join(str(n) for n in sample["fds"])
    return (
        f"| {sample['minute']} | {window.posts:,} | {window.edits:,} | "
        f"{len(window.latencies_ms):,} | "
        f"{p50:.1f} | {p99:.1f} | {window.errors} | {rss} | {fds} | {sample['redis_kb']:,} | "
        f"{sample['load']:.1f} |"
    )


def write_report(result: dict, minutes: float, seconds: float) -> None:
    run, samples = result["run"], result["samples"]
    first, last = samples[0], samples[-1]
    growth = [(b - a) / 1024 for a, b in zip(first["rss_kb"], last["rss_kb"], strict=True)]
    half = samples[len(samples) // 2]
    late = [(b - a) / 1024 for a, b in zip(half["rss_kb"], last["rss_kb"], strict=True)]
    lines = [
        "<!-- soak:start -->",
        "## Soak",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m bench.soak "
        f"--minutes {minutes:g}` ({seconds:.0f} s): HAProxy in front of 2 daphne processes, a "
        f"redis-server of its own, PostgreSQL as above. Through the proxy: {ROOMS} rooms, each "
        f"with one person posting every {POST_EVERY:g} s and {READERS} reading; a board where "
        f"{EDITORS} editors save a card every {EDIT_EVERY:g} s while {VIEWERS} others watch; "
        f"everyone pings every {PING_EVERY:g} s. Minute 0 is after 10 s of warm-up. *Load*: "
        "the machine's 1-minute load average (2 cores, shared with other work).",
        "",
        "| minute | posts | edits saved | deliveries | p50 ms | p99 ms | errors"
        " | RSS MB per daphne | open fds per daphne | Redis used_memory KB | load (1 min) |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        f"| 0 | | | | | | | "
        f"{' / '.join(f'{kb / 1024:.1f}' for kb in first['rss_kb'])} | "
        f"{' / '.join(str(n) for n in first['fds'])} | {first['redis_kb']:,} | "
        f"{first['load']:.1f} |",
    ]
    lines += [_window_row(w, s) for w, s in zip(run.windows, samples[1:], strict=False)]
    lines += [
        "",
        f"RSS growth, minute 0 to the end: {', '.join(f'{g:+.1f} MB' for g in growth)}; in the "
        f"second half: {', '.join(f'{g:+.1f} MB' for g in late)}. Open descriptors "
        f"{' / '.join(str(n) for n in first['fds'])} -> {' / '.join(str(n) for n in last['fds'])}"
        f"; Redis {first['redis_kb']:,} -> {last['redis_kb']:,} KB. Reconnects: "
        f"{run.reconnects}. Acknowledged posts a reader never got: {run.lost}.",
        "Target: nothing lost, and no growth that does not level off (the second half grows "
        "less than the first).",
        "<!-- soak:end -->",
    ]
    servers.write_block("soak", lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--no-report", action="store_true", help="do not write benchmarks.md")
    args = parser.parse_args()
    if not 1 <= args.minutes <= 240:
        raise SystemExit("--minutes is 1 to 240")

    servers.stop_after(int(args.minutes * 60) + 300, "bench.soak")
    log_dir = servers.PROJECT_DIR / "var" / "soak"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = servers.base_env(
        database_url=DATABASE_URL,
        redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
        secret_key=secrets.token_urlsafe(50),
        layer_env={"TRUST_PROXY_HEADERS": "1", "HTTP_LOG_LEVEL": "WARNING"},
    )
    servers.recreate_database(DATABASE_URL)
    servers.set_up_django(env)
    setup = _setup()
    own_redis = OwnRedis(log_dir / "redis.log", port=REDIS_PORT)
    own_redis.start()
    cluster = Cluster(
        2, env, log_dir, proxy_port=PROXY_PORT, first_port=PROXY_PORT + 1,
        stats_port=PROXY_PORT + 9,
    )  # fmt: skip
    started = time.monotonic()
    try:
        cluster.start()
        result = asyncio.run(soak(cluster, own_redis, args.minutes, setup))
    finally:
        cluster.stop()
        own_redis.kill()
        signal.alarm(0)
    if not args.no_report:
        write_report(result, args.minutes, time.monotonic() - started)
    return 0 if result["run"].lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
