"""`python -m bench.boards`: the boards' scenarios: 20 viewers on a board while 5 editors change
its cards (propagation p50/p99 and losses by version, with 1 and 2 daphne processes), and the
server time and query count of rendering a board of 1,000 cards.

Bounded: fixed counts, a timeout on every wait and on the whole run. It owns a PostgreSQL
database (dropped and re-created) and a Redis db (flushed), starts its own daphne processes on
free ports and stops them by PID. Its figures replace the boards block of docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect

from bench.servers import (
    PROJECT_DIR,
    Servers,
    base_env,
    flush_redis,
    manage,
    raise_open_files_limit,
    recreate_database,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_boards"
REDIS_URL = "redis://127.0.0.1:6379/4"
START, END = "<!-- boards:start -->", "<!-- boards:end -->"
VIEWERS, EDITORS, CARDS = 20, 5, 20
LINES = EDITORS  # editor j rewrites line j of a card's solution: edits never truly overlap


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Socket:
    """One board socket: remembers when each (card, version) frame arrived."""

    def __init__(self, port: int, board: int, cookie: str, since: int, versions: dict) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/boards/{board}/?since={since}"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = cookie
        self.arrived: dict[tuple[int, int], int] = {}  # (card, version) -> ns
        self.saved: asyncio.Queue = asyncio.Queue()
        self.versions: dict[int, int] = dict(versions)  # card -> newest version seen
        self.errors: list[str] = []
        self.synced = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        async with connect(
            self.url, origin=self.origin, additional_headers={"Cookie": self.cookie},
            compression=None, max_queue=None, max_size=2**22,
        ) as ws:  # fmt: skip
            self.ws = ws
            reader = asyncio.ensure_future(self._read(ws))
            await stop.wait()
            reader.cancel()

    async def _read(self, ws) -> None:
        async for text in ws:
            now = time.time_ns()
            frame = json.loads(text)
            kind = frame["type"]
            if kind == "card":
                self.arrived.setdefault((frame["id"], frame["version"]), now)
                self.versions[frame["id"]] = max(
                    self.versions.get(frame["id"], 0), frame["version"]
                )
            elif kind == "synced":
                self.synced.set()
            elif kind == "saved":
                await self.saved.put(frame)
            elif kind == "error":
                self.errors.append(frame["message"])
                await self.saved.put(frame)


async def _edit_loop(editor: Socket, index: int, cards: list[int], edits: int, gap: float, sent):
    rng = random.Random(index)  # noqa: S311 (which card to edit, not a secret)
    for k in range(edits):
        card = rng.choice(cards)
        base = editor.versions.get(card, 1)  # what this editor last saw: often stale
        lines = [f"line {j}" for j in range(LINES)]
        lines[index] = f"editor {index} edit {k}"
        frame = {
            "action": "edit", "card": card, "version": base,
            "fields": {"solution": "\n".join(lines) + "\n"},
        }  # fmt: skip
        started = time.time_ns()
        await editor.ws.send(json.dumps(frame))
        reply = await asyncio.wait_for(editor.saved.get(), 10)
        if reply["type"] == "saved":
            sent[(card, reply["version"])] = started
        await asyncio.sleep(gap)


def _board_state(board: int, cards: list[int]) -> tuple[int, dict[int, int]]:
    from django.db import connection

    from boards.models import Board, Card

    since = Board.objects.values_list("last_event", flat=True).get(pk=board)
    versions = dict(Card.objects.filter(pk__in=cards).values_list("pk", "version"))
    connection.close()
    return since, versions


async def _propagation(ports, board, cards, people, edits, gap, state) -> dict:
    stop = asyncio.Event()
    since, versions = state

    def socket(i: int) -> Socket:
        return Socket(ports[i % len(ports)], board, people[i], since, versions)

    viewers = [socket(i) for i in range(VIEWERS)]
    editors = [socket(VIEWERS + i) for i in range(EDITORS)]
    tasks = [asyncio.ensure_future(s.run(stop)) for s in viewers + editors]
    for sock in viewers + editors:
        await asyncio.wait_for(sock.synced.wait(), 20)
    # Warm-up, not measured: each process compiles its templates and opens its connections.
    warm: dict[tuple[int, int], int] = {}
    await asyncio.gather(*(_edit_loop(e, i, cards, 2, gap, warm) for i, e in enumerate(editors)))
    await asyncio.sleep(1)
    sent: dict[tuple[int, int], int] = {}
    started = time.monotonic()
    await asyncio.gather(
        *(_edit_loop(e, i, cards, edits, gap, sent) for i, e in enumerate(editors))
    )
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + 10  # stragglers
    while time.monotonic() < deadline and any(  # noqa: ASYNC110 (polling many sockets)
        key not in v.arrived for v in viewers for key in sent
    ):
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [
        (viewer.arrived[key] - at) / 1e6
        for viewer in viewers
        for key, at in sent.items()
        if key in viewer.arrived
    ]
    missing = sum(1 for viewer in viewers for key in sent if key not in viewer.arrived)
    return {
        "writes": len(sent),
        "deliveries": len(latencies),
        "lost": missing,
        "seconds": round(elapsed, 2),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "errors": sum(len(s.errors) for s in viewers + editors),
        "seen_versions": [dict(v.versions) for v in viewers],
    }


def _render(board_id: int, user_pk: int, repeats: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_pk))
    url = f"/boards/{board_id}/"
    client.get(url)  # warm caches
    times, queries = [], []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the board page answered {response.status_code}")
        queries.append(len(captured.captured_queries))
    return {
        "cards": response.content.decode().count('<li class="card'),
        "queries": max(queries),
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
    }


def _setup(people_count: int, big: int) -> tuple[list[str], int, list[int], int, int]:
    from accounts.models import Membership, Role, Team
    from bench.fixtures import make_people
    from boards import actions
    from boards.models import Card, Tag

    people = make_people(people_count)
    team = Team.objects.create(name="Bench", slug="bench")
    Membership.objects.bulk_create(
        Membership(team=team, user_id=p.pk, role=Role.MEMBER) for p in people
    )
    from accounts.models import User

    owner = User.objects.get(pk=people[0].pk)
    live = actions.create_board(user=owner, name="Live", team=team)
    cards = [
        actions.create_card(board=live, user=owner, title=f"card {i}", solution="x\n").pk
        for i in range(CARDS)
    ]
    big_board = actions.create_board(user=owner, name="Big", team=team)
    columns = list(big_board.columns.all())
    Card.objects.bulk_create(
        Card(board=big_board, column=columns[i % 3], title=f"challenge {i}", position=i,
             problem="A problem\n" * 3, solution="A solution\n" * 3)
        for i in range(big)
    )  # fmt: skip
    redis, celery = (
        Tag.objects.get_or_create(name="Redis")[0],
        Tag.objects.get_or_create(name="Celery")[0],
    )
    for card in Card.objects.filter(board=big_board)[:200]:
        card.tags.set([redis, celery][: 1 + card.pk % 2])
    return [p.cookie for p in people], live.pk, cards, big_board.pk, owner.pk


def _write(path: Path, text: str) -> None:
    block = f"{START}\n{text.rstrip()}\n{END}"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old.split(START)[0] + block + old.split(END, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.boards", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer edits, for a smoke run")
    parser.add_argument("--output", default=str(PROJECT_DIR / "docs" / "benchmarks.md"))
    parser.add_argument("--timeout", type=int, default=600, help="hard limit, seconds")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("bench.boards: hard timeout"))
    signal.alarm(args.timeout)
    raise_open_files_limit()
    edits, gap = (6, 0.5) if args.quick else (30, 0.5)

    env = base_env(
        database_url=DATABASE_URL, redis_url=REDIS_URL,
        secret_key=secrets.token_urlsafe(40), layer_env={},
    )  # fmt: skip
    recreate_database(DATABASE_URL)
    flush_redis(REDIS_URL)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    cookies, live, cards, big, owner = _setup(VIEWERS + EDITORS, 1000)
    render = _render(big, owner, repeats=20)

    results = {}
    for count in (1, 2):
        with Servers(env, PROJECT_DIR / "var" / "bench" / "logs", count, f"boards{count}") as s:
            state = _board_state(live, cards)
            run = _propagation(s.ports, live, cards, cookies, edits, gap, state)
            results[count] = asyncio.run(run)
            problems = s.problems()
        results[count]["server_errors"] = len(problems)
        results[count]["final"] = _board_state(live, cards)[1]

    rows = []
    for count, fig in results.items():
        converged = all(seen == fig["final"] for seen in fig["seen_versions"])
        rows.append(
            f"| {count} | {fig['writes']} | {fig['deliveries']} | {fig['lost']} | "
            f"{fig['p50_ms']:.1f} | {fig['p99_ms']:.1f} | {fig['errors']} | "
            f"{fig['server_errors']} | {'yes' if converged else 'NO'} |"
        )
    text = "\n".join(
        [
            "## Boards",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m bench.boards`"
            f"{' --quick' if args.quick else ''}; same machine and services as above.",
            "",
            f"**Propagation**: {VIEWERS} viewers on one board while {EDITORS} editors each make "
            f"{edits} edits to {CARDS} cards ({1 / gap:.0f} edits/s each, after 2 warm-up edits), "
            "each edit based on the "
            "version that editor last saw (so many are merged). Latency: from an editor's send "
            "to a viewer receiving that version. Lost: versions a viewer never received.",
            "",
            "| daphne processes | versions written | deliveries | lost | p50 ms | p99 ms "
            "| client errors | server errors | viewers end on final versions |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Targets: p50 ≤ 30 ms, p99 ≤ 100 ms, zero losses.",
            "",
            f"**Rendering a board of {render['cards']} cards** (in process, the whole page, "
            f"20 runs): {render['queries']} queries (target ≤ 15, not growing with cards), "
            f"median {render['median_ms']} ms, max {render['max_ms']} ms of server time "
            "(target < 250 ms).",
        ]
    )
    _write(Path(args.output), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
