"""docs/benchmarks.md, written from the figures of a run (never by hand)."""

import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psycopg
import redis

PACKAGES = [
    "django",
    "channels",
    "channels-redis",
    "daphne",
    "twisted",
    "autobahn",
    "redis",
    "psycopg",
    "asgiref",
    "websockets",
]

TARGETS = {
    "burst": "≥ 5,000 deliveries/s, 0 lost, all persisted",
    "paced": "p50 ≤ 30 ms, p99 ≤ 100 ms, 0 lost",
    "rooms": "≥ 3,000 deliveries/s with 1 process, ≥ 4,000 with 2, 0 lost, all persisted",
    "idle": "≤ 30 KB per connection at 5,000 on one process, every socket reached afterwards",
}


def machine(database_url: str, redis_url: str) -> dict[str, str]:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    with psycopg.connect(database_url) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    client = redis.Redis.from_url(redis_url)
    try:
        redis_server = client.info("server")["redis_version"]
    finally:
        client.close()
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "postgresql": postgres.split()[0],
        "redis server": redis_server,
        "packages": ", ".join(versions),
    }


def _num(value: object, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def meets(fig: dict) -> bool:
    if "failed" in fig:
        return False
    clean = not fig.get("errors") and not fig.get("server_problems")
    name = fig["scenario"]
    if name == "idle":
        kb = [v for k, v in fig.items() if k.startswith("kb_per_conn_")]
        return (
            clean
            and all(v <= 30 for v in kb)
            and not fig.get("unexpected_closes")
            and not fig.get("failed_connects")
            and bool(fig.get("idle_all_delivered"))
        )
    lossless = fig["lost"] == 0 and fig["duplicates"] == 0 and fig["unexpected_closes"] == 0
    if name == "burst":
        return clean and lossless and fig["persisted_ok"] and fig["per_second"] >= 5000
    if name == "paced":
        return (
            clean
            and lossless
            and fig["persisted_ok"]
            and fig["p50_ms"] is not None
            and fig["p50_ms"] <= 30
            and fig["p99_ms"] <= 100
        )
    if name == "rooms":
        wanted = 3000 if fig.get("procs", 1) == 1 else 4000
        return clean and lossless and fig["persisted_ok"] and fig["per_second"] >= wanted
    return False


def _problems(fig: dict) -> str:
    parts = []
    if fig.get("errors"):
        parts.append(", ".join(f"{k} x{v}" for k, v in sorted(fig["errors"].items())))
    if fig.get("server_problems"):
        parts.append(f"server log: {fig['server_problems']}")
    if fig.get("unexpected_closes"):
        parts.append(f"closed: {fig['unexpected_closes']}")
    if fig.get("failed_connects"):
        parts.append(f"connect failed: {fig['failed_connects']}")
    if fig.get("retries"):
        parts.append(f"retries: {fig['retries']}")
    return "; ".join(parts) or "none"


def _ours(results: list[dict], name: str) -> list[dict]:
    return [r for r in results if r["scenario"] == name and r.get("app", "nexus") == "nexus"]


def _load_table(results: list[dict], name: str, latency_first: bool = False) -> list[str]:
    rows = _ours(results, name)
    if not rows:
        return []
    lines = [
        "| layer | daphne | deliveries/s | posts/s | p50 ms | p99 ms | max ms | lost | dup "
        "| delivered | persisted | errors | CPU % daphne / machine | CPU ms a post | target |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|:-:|",
    ]
    for r in rows:
        if "failed" in r:
            lines.append(
                f"| {r['layer']} | {r['procs']} | failed: {r['failed'][:120]} "
                "| | | | | | | | | | | ❌ |"
            )
            continue
        lines.append(
            f"| {r['layer']} | {r['procs']} | {_num(r['per_second'])} "
            f"| {_num(r['posts_per_second'])} | {_num(r['p50_ms'], 1)} | {_num(r['p99_ms'], 1)} "
            f"| {_num(r['max_ms'], 1)} | {_num(r['lost'])} | {_num(r['duplicates'])} "
            f"| {_num(r['deliveries'])}/{_num(r['expected_deliveries'])} | {r['persisted']} "
            f"| {_problems(r)} | {_cpu(r)} | {_num(r.get('cpu_ms_per_post'), 2)} "
            f"| {_mark(meets(r))} |"
        )
    return lines


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "-"
    return f"{ours / theirs:.2f}"


def compared(results: list[dict]) -> list[tuple[dict, dict]]:
    """(ours, the reference's) for every scenario and configuration that both ran."""
    theirs = {
        (r["scenario"], r["layer"], r["procs"]): r
        for r in results
        if r.get("app") == "echo" and "failed" not in r
    }
    return [
        (r, theirs[key])
        for r in results
        if r.get("app", "nexus") == "nexus"
        and "failed" not in r
        and (key := (r["scenario"], r["layer"], r["procs"])) in theirs
    ]


def _compare_table(results: list[dict]) -> list[str]:
    pairs = [(a, b) for a, b in compared(results) if a["scenario"] != "idle"]
    if not pairs:
        return []
    lines = [
        "| scenario | layer | daphne | deliveries/s ours / plain chat | ratio | p99 ms ours / "
        "plain chat | CPU ms a post ours / plain chat | ratio | lost ours / plain chat |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for ours, theirs in pairs:
        lines.append(
            f"| {ours['scenario']} | {ours['layer']} | {ours['procs']} "
            f"| {_num(ours['per_second'])} / {_num(theirs['per_second'])} "
            f"| {_ratio(ours['per_second'], theirs['per_second'])} "
            f"| {_num(ours['p99_ms'], 1)} / {_num(theirs['p99_ms'], 1)} "
            f"| {_num(ours.get('cpu_ms_per_post'), 2)} / {_num(theirs.get('cpu_ms_per_post'), 2)} "
            f"| {_ratio(ours.get('cpu_ms_per_post'), theirs.get('cpu_ms_per_post'))} "
            f"| {_num(ours['lost'])} / {_num(theirs['lost'])} |"
        )
    for ours, theirs in compared(results):
        if ours["scenario"] == "idle":
            stage = max(int(k.rsplit("_", 1)[1]) for k in ours if k.startswith("kb_per_conn_"))
            key = f"kb_per_conn_{stage}"
            lines.append(
                f"| idle, KB a socket at {stage:,} | {ours['layer']} | 1 "
                f"| {_num(ours.get(key), 1)} / {_num(theirs.get(key), 1)} "
                f"| {_ratio(ours.get(key), theirs.get(key))} | | | | |"
            )
    return lines


def _cpu(fig: dict) -> str:
    daphne = "+".join(str(c) for c in fig.get("daphne_cpu_pct", []))
    return f"{daphne or '-'} / {fig.get('machine_busy_pct', '-')}"


def _idle_table(results: list[dict]) -> list[str]:
    rows = _ours(results, "idle")
    if not rows:
        return []
    stages = sorted(
        {int(k.rsplit("_", 1)[1]) for r in rows for k in r if k.startswith("kb_per_conn_")}
    )
    head = "| layer | daphne | RSS before | " + " | ".join(
        f"RSS at {n:,} | KB/conn at {n:,} | connect {n:,} s" for n in stages
    )
    lines = [
        head + " | message reached | errors | target |",
        "|---|--:|--:|" + "--:|--:|--:|" * len(stages) + "--:|---|:-:|",
    ]
    for r in rows:
        if "failed" in r:
            lines.append(f"| {r['layer']} | 1 | failed: {r['failed'][:120]} |")
            continue
        cells = [f"{_num(r['rss_base_kb'])} kB"]
        for n in stages:
            cells += [
                f"{_num(r.get(f'rss_kb_{n}'))} kB",
                _num(r.get(f"kb_per_conn_{n}"), 1),
                _num(r.get(f"connect_s_{n}"), 1),
            ]
        reached = f"{_num(r.get('idle_delivered'))}/{_num(max(stages))}"
        lines.append(
            f"| {r['layer']} | {r['procs']} | "
            + " | ".join(cells)
            + f" | {reached} | {_problems(r)} | {_mark(meets(r))} |"
        )
    return lines


def write(path: Path, results: list[dict], info: dict, config: dict) -> None:
    out = [
        "Written by `make bench` (`python -m bench`): real daphne processes, PostgreSQL and Redis",
        "on this machine, the load generator (Python `websockets` client, one process) on the same",
        "cores. Do not edit by hand; run `make bench` again.",
        "",
        "## Machine",
        "",
        "*CPU % machine* in the tables is everything that ran on the machine during a",
        "scenario (100 % per core): the bench's own processes, PostgreSQL, Redis, and whatever",
        "else shared the machine then.",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "## Configuration",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in config.items()),
        "",
        "Deliveries are `message` frames received, summed over recipients (the sender included);",
        "deliveries/s counts from the first post sent to the last delivery received. Latency is a",
        "recipient's receive time minus the send time carried in the message body. *Lost*: seqs a",
        "recipient never got (each must get every seq of its room exactly once; stragglers are",
        "awaited up to the straggler timeout); *persisted*: rows in the database whose seqs are",
        "exactly 1..N for each room.",
        "",
    ]
    sections = [
        ("burst", "One room, burst", _load_table(results, "burst")),
        ("paced", "One room, paced", _load_table(results, "paced")),
        ("rooms", "Many rooms, burst", _load_table(results, "rooms")),
        ("idle", "Idle sockets on one process", _idle_table(results)),
    ]
    for key, title, table in sections:
        if not table:
            continue
        out += [f"## {title}", "", config.get(f"{key} scenario", ""), ""]
        out += [f"Target: {TARGETS[key]}.", "", *table, ""]
    if table := _compare_table(results):
        out += ["## Compared with a plain Channels chat, same run", "", config["reference"], ""]
        out += [
            "Each ratio is ours divided by the plain chat's: above 1 means more deliveries a",
            "second (good), or more CPU a post or more memory a socket (bad). The two run back",
            "to back, per configuration, on the same layer: the plain chat is the reference that",
            "says how busy the machine was.",
            "",
            *table,
            "",
        ]
    _replace_block(path, "\n".join(out))


START, END = "<!-- chat:start -->", "<!-- chat:end -->"


def _replace_block(path: Path, text: str) -> None:
    """Write the live-room figures between their markers; other blocks (boards) stay as they are."""
    block = f"{START}\n{text.rstrip()}\n{END}"
    old = path.read_text() if path.exists() else ""
    if START in old and END in old:
        new = old.split(START, 1)[0] + block + old.split(END, 1)[1]
    elif old.startswith("# "):
        title, _, rest = old.partition("\n")
        new = f"{title}\n\n{block}\n\n{rest.lstrip()}"
    else:
        new = f"# Benchmarks\n\n{block}\n\n{old.lstrip()}"
    path.write_text(new.rstrip() + "\n")
