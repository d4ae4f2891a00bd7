"""`python -m bench.flood`: one client floods a 1,000-message room with `sync since 0` frames
while ten others ping; their ping round trips during the flood, against the same pings
measured just before it, in the same run (the ratio is the figure that travels).

Bounded: fixed counts, a timeout on every wait and on the whole run. It owns a PostgreSQL
database (dropped and re-created) and a Redis db (flushed), starts one daphne process on a free
port and stops it by PID. Its figures replace the flood block of docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from websockets.asyncio.client import connect

from bench.load import percentile
from bench.servers import (
    PROJECT_DIR,
    Servers,
    base_env,
    flush_redis,
    manage,
    raise_open_files_limit,
    recreate_database,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench_flood"
REDIS_URL = "redis://127.0.0.1:6379/5"
START, END = "<!-- flood:start -->", "<!-- flood:end -->"
MESSAGES, SYNCS, WATCHERS, PING_EVERY = 1000, 100, 10, 0.05
PHASE_SECONDS = 8.0


def _setup(people_count: int) -> tuple[list[str], str]:
    from bench.fixtures import make_people
    from chat.models import Message, Room

    people = make_people(people_count)
    room = Room.objects.create(name="flood", slug="flood", created_by_id=people[0].pk)
    Message.objects.bulk_create(
        Message(
            room=room, seq=i, event=i, author_id=people[0].pk, client_id=f"f{i}",
            body=f"message {i} with some `code` and **text**",
            body_html=f"<p>message {i} with some <code>code</code> and <strong>text</strong></p>",
        )
        for i in range(1, MESSAGES + 1)
    )  # fmt: skip
    Room.objects.filter(pk=room.pk).update(last_seq=MESSAGES, last_event=MESSAGES)
    return [p.cookie for p in people], room.slug


async def _open(port: int, slug: str, cookie: str):
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/rooms/{slug}/?since={MESSAGES}",
        origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": cookie},
        compression=None, max_queue=None, max_size=2**24, open_timeout=20,
    )  # fmt: skip
    while json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] != "synced":
        pass  # the opening catch-up
    return ws


async def _watch(ws, seconds: float) -> list[float]:
    """Ping every PING_EVERY s for `seconds`; each round trip in ms (a lost pong: 10 s)."""
    rtts: list[float] = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        sent = time.monotonic()
        await ws.send('{"action": "ping"}')
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "pong":
                    break
        except TimeoutError:
            rtts.append(10_000.0)
            continue
        rtts.append((time.monotonic() - sent) * 1000)
        await asyncio.sleep(PING_EVERY)
    return rtts


async def _flood(ws) -> dict:
    """SYNCS `sync since 0` frames as fast as the socket takes them; what came back."""
    started = time.monotonic()
    for _ in range(SYNCS):
        await ws.send('{"action": "sync", "since": 0}')
    kinds: dict[str, int] = {}
    answered = 0
    try:
        while answered < SYNCS:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
            kinds[frame["type"]] = kinds.get(frame["type"], 0) + 1
            if frame["type"] in ("synced", "reset") or (
                frame["type"] == "error" and frame.get("action", "sync") == "sync"
            ):
                answered += 1
    except TimeoutError:
        pass
    return {"seconds": time.monotonic() - started, "kinds": kinds}


async def _run(port: int, slug: str, cookies: list[str]) -> dict:
    watchers = [await _open(port, slug, cookie) for cookie in cookies[1:]]
    flooder = await _open(port, slug, cookies[0])
    await asyncio.sleep(1)  # the opening frames (catch-up, Online list) have arrived
    quiet = await asyncio.gather(*(_watch(ws, PHASE_SECONDS / 2) for ws in watchers))
    flood_task = asyncio.ensure_future(_flood(flooder))
    during = await asyncio.gather(*(_watch(ws, PHASE_SECONDS) for ws in watchers))
    try:
        flood = await asyncio.wait_for(flood_task, 30)
    except TimeoutError:
        flood = {"seconds": float("inf"), "kinds": {"(not all answered within 30 s after)": 1}}
    for ws in [*watchers, flooder]:
        await ws.close()
    quiet_all = [rtt for each in quiet for rtt in each]
    during_all = [rtt for each in during for rtt in each]
    return {
        "quiet_p50": percentile(quiet_all, 0.5), "quiet_p95": percentile(quiet_all, 0.95),
        "during_p50": percentile(during_all, 0.5), "during_p95": percentile(during_all, 0.95),
        "during_max": max(during_all), "pings": len(during_all), "flood": flood,
    }  # fmt: skip


def _write(path: Path, text: str) -> None:
    block = f"{START}\n{text.rstrip()}\n{END}"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old.split(START)[0] + block + old.split(END, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__)
    parser.add_argument("--output", default=str(PROJECT_DIR / "docs" / "benchmarks.md"))
    parser.add_argument("--label", default="", help="what was measured, for the table")
    parser.add_argument("--timeout", type=int, default=300, help="hard limit, seconds")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("bench.flood: hard timeout"))
    signal.alarm(args.timeout)
    raise_open_files_limit()
    env = base_env(
        database_url=DATABASE_URL, redis_url=REDIS_URL,
        secret_key=secrets.token_urlsafe(40), layer_env={},
    )  # fmt: skip
    recreate_database(DATABASE_URL)
    flush_redis(REDIS_URL)
    manage(env, "migrate", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    cookies, slug = _setup(WATCHERS + 1)
    with Servers(env, PROJECT_DIR / "var" / "bench" / "logs", 1, "flood") as servers:
        fig = asyncio.run(_run(servers.ports[0], slug, cookies))
        problems = len(servers.problems())
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(fig["flood"]["kinds"].items()))
    ratio = fig["during_p95"] / fig["quiet_p95"] if fig["quiet_p95"] else float("nan")
    text = "\n".join(
        [
            "## Catch-up flood",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m bench.flood`"
            f"{' (' + args.label + ')' if args.label else ''}; one daphne process, PostgreSQL "
            "and Redis as above.",
            "",
            f"One client sends {SYNCS} `sync since 0` frames at once into a room of {MESSAGES:,} "
            f"messages while {WATCHERS} other sockets of the same process ping every "
            f"{PING_EVERY * 1000:.0f} ms; their round trips during the flood against the same "
            f"pings in the {PHASE_SECONDS / 2:.0f} s before it (the reference, same run).",
            "",
            "| pings during | p50 ms quiet | p95 ms quiet | p50 ms flood | p95 ms flood "
            "| max ms flood | p95 ratio | flood answered in s | what the flooder got "
            "| server errors |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|",
            f"| {fig['pings']:,} | {fig['quiet_p50']:.1f} | {fig['quiet_p95']:.1f} "
            f"| {fig['during_p50']:.1f} | {fig['during_p95']:.1f} | {fig['during_max']:.1f} "
            f"| {ratio:.2f} | {fig['flood']['seconds']:.1f} | {kinds} | {problems} |",
            "",
            "Target: another socket's ping p95 under 100 ms during the flood.",
        ]
    )
    _write(Path(args.output), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
