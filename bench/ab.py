"""`python -m bench.ab`: two or more variants of the app benched alternately, in one run.

On a shared machine only what is measured in the same run compares: this runs each variant's
own `python -m bench` (and `python -m bench.boards`) in turn, round after round, the order
reversed every other round (A B, B A, A B...), and reports each figure per round with its ratio
to the first variant's figure of the same round, and the median ratio.

A variant is NAME=DIR[,KEY=VALUE...]: a checkout with its own `.venv` (`make install` there;
`git worktree add` gives an older commit one) and environment settings for its daphnes, e.g.

    python -m bench.ab --variant old=../wt-old --variant new=. \\
        --variant new-nopool=.,DATABASE_POOL=false --rounds 3

Bounded: each variant's runs have their own hard timeouts, this one a hard timeout on the whole
run. Every variant gets a PostgreSQL database of its own for the rooms and one for the boards
(nexus_bench_ab_<name>, nexus_bench_ab_boards_<name>: dropped and re-created by the bench run,
dropped at the end) and a Redis db of its own (from --redis-db on, flushed by the runs), so the
variants never share state. Child runs are started in a session of their own and, if one
outlives its timeout, that session is killed by its id.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.servers import PROJECT_DIR

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
# bench.boards names its database and Redis db in module globals: the child sets them first.
BOARDS = (
    "import sys, bench.boards as b; b.DATABASE_URL, b.REDIS_URL = sys.argv[1:3]; "
    "sys.exit(b.main(sys.argv[3:]))"
)
BOARDS_ROW = re.compile(
    r"^\| (\d) \| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| (\d+) \| (\d+) \| (\w+) \|$"
)
RENDER = re.compile(r"median ([\d.]+) ms, max ([\d.]+) ms")
# (figure, label, higher is better)
LOAD_FIGURES = [
    ("per_second", "deliveries/s", True),
    ("p50_ms", "p50 ms", False),
    ("p99_ms", "p99 ms", False),
    ("cpu_ms_per_post", "CPU ms a post", False),
]
BOARDS_FIGURES = [("p50_ms", "p50 ms", False), ("p99_ms", "p99 ms", False)]


@dataclass
class Variant:
    name: str
    directory: Path
    env: dict[str, str]
    redis_db: int
    commit: str = ""
    results: list[dict] = field(default_factory=list)  # one dict of figures per round

    @property
    def python(self) -> Path:
        return self.directory / ".venv" / "bin" / "python"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    @property
    def database(self) -> str:
        return f"nexus_bench_ab_{self.slug}"

    @property
    def boards_database(self) -> str:
        return f"nexus_bench_ab_boards_{self.slug}"


def parse_variant(text: str, redis_db: int) -> Variant:
    name, _, rest = text.partition("=")
    directory, *pairs = rest.split(",")
    if not name or not directory:
        raise argparse.ArgumentTypeError(f"not NAME=DIR[,KEY=VALUE...]: {text!r}")
    env = dict(pair.split("=", 1) for pair in pairs)
    return Variant(name, Path(directory).resolve(), env, redis_db)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--variant", action="append", required=True, help="NAME=DIR[,K=V...]")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scenarios", default="rooms,burst", help="python -m bench --scenarios")
    parser.add_argument("--layers", default="pubsub", help="python -m bench --layers")
    parser.add_argument("--procs", default="1", help="python -m bench --procs")
    parser.add_argument("--no-boards", action="store_true", help="skip python -m bench.boards")
    parser.add_argument("--quick", action="store_true", help="the benches' small counts")
    parser.add_argument("--redis-db", type=int, default=10, help="the first variant's Redis db")
    parser.add_argument("--run-timeout", type=int, default=600, help="one child run, seconds")
    parser.add_argument("--timeout", type=int, default=2700, help="the whole run, seconds")
    parser.add_argument(
        "--json", default=str(PROJECT_DIR / "var" / "bench" / "ab.json"), help="raw figures"
    )
    args = parser.parse_args(argv)
    if len(args.variant) < 2:
        parser.error("two variants at least")
    args.variants = [parse_variant(v, args.redis_db + i) for i, v in enumerate(args.variant)]
    if len({v.slug for v in args.variants}) != len(args.variants):
        parser.error("variant names must differ")
    if args.redis_db + len(args.variants) > 16:
        parser.error("Redis has dbs 0-15")
    for v in args.variants:
        if not v.python.exists():
            parser.error(f"{v.python} missing: `make install` in {v.directory}")
    return args


def run_child(cmd: list[str], variant: Variant, env: dict[str, str], timeout: int) -> str:
    """Run `cmd` in `variant`'s checkout, in a session of its own; its output, or an error."""
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(  # noqa: S603 (a checkout's own interpreter)
        cmd,
        cwd=variant.directory,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        process.wait(timeout=timeout)
    except BaseException:  # timeout, or this run's own hard timeout / Ctrl-C
        os.killpg(process.pid, signal.SIGKILL)  # the child and the daphnes it started
        process.wait()
        raise
    finally:
        log.seek(0)
        output = log.read()
        log.close()
    if process.returncode != 0:
        tail = "\n".join(output.splitlines()[-15:])
        raise RuntimeError(f"{' '.join(cmd[:4])}… exited {process.returncode}:\n{tail}")
    return output


def child_env(variant: Variant, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(
        BENCH_DATABASE_URL=f"{POSTGRES}/{variant.database}",
        BENCH_REDIS_URL=f"{REDIS}/{variant.redis_db}",
        DATABASE_POOL=env.get("DATABASE_POOL", "true"),
    )
    env.update(variant.env)
    return env


def cpu_ms_per_post(fig: dict) -> float | None:
    """From each bench's own CPU % and wall time (older benches print no CPU a post)."""
    if not fig.get("posts") or "daphne_cpu_pct" not in fig:
        return None
    return 1000 * sum(fig["daphne_cpu_pct"]) / 100 * fig["wall_s"] / fig["posts"]


def bench_round(variant: Variant, args: argparse.Namespace) -> dict:
    env = child_env(variant, args)
    cmd = [str(variant.python), "-m", "bench", "--scenarios", args.scenarios]
    cmd += ["--layers", args.layers, "--procs", args.procs, "--output", "-"]
    cmd += ["--timeout", str(args.run_timeout - 30)] + (["--quick"] if args.quick else [])
    run_child(cmd, variant, env, args.run_timeout)
    figures: dict = {}
    results = json.loads((variant.directory / "var" / "bench" / "results.json").read_text())
    for fig in results:
        if fig.get("app", "nexus") != "nexus":
            continue
        key = f"{fig['scenario']}, {fig['layer']}, {fig['procs']} process"
        if "failed" in fig:
            figures[key] = {"failed": fig["failed"]}
            continue
        figures[key] = {
            "per_second": fig["per_second"],
            "p50_ms": fig["p50_ms"],
            "p99_ms": fig["p99_ms"],
            "cpu_ms_per_post": cpu_ms_per_post(fig),
            "lost": fig["lost"],
            "server_problems": fig["server_problems"],
        }
    if not args.no_boards:
        with tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "boards.md"
            cmd = [str(variant.python), "-c", BOARDS, f"{POSTGRES}/{variant.boards_database}"]
            cmd += [f"{REDIS}/{variant.redis_db}", "--output", str(output)]
            cmd += ["--timeout", str(args.run_timeout - 30)] + (["--quick"] if args.quick else [])
            run_child(cmd, variant, env, args.run_timeout)
            text = output.read_text()
        for line in text.splitlines():
            if match := BOARDS_ROW.match(line):
                procs, _, _deliveries, lost, p50, p99, client_errors, server_errors, final = (
                    match.groups()
                )
                figures[f"boards propagation, {procs} process"] = {
                    "p50_ms": float(p50),
                    "p99_ms": float(p99),
                    "lost": int(lost),
                    "server_problems": int(server_errors) + int(client_errors),
                    "converged": final == "yes",
                }
        if match := RENDER.search(text):
            figures["boards, rendering 1,000 cards"] = {"p50_ms": float(match.group(1))}
    return figures


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def report(variants: list[Variant]) -> list[str]:
    """Markdown: per configuration and figure, each variant's value per round, its ratio to
    the first variant's of the same round, and the median of those ratios."""
    base = variants[0]
    keys = list(dict.fromkeys(k for r in base.results for k in r))
    lines = [
        f"Ratios: the variant's figure over `{base.name}`'s of the same round (deliveries/s: "
        "above 1 is better; ms: below 1 is better).",
        "",
        "| scenario | figure | variant | per round | ratio per round | median ratio |",
        "|---|---|---|--:|--:|--:|",
    ]
    for key in keys:
        figures = LOAD_FIGURES if not key.startswith("boards") else BOARDS_FIGURES
        for figure, label, _ in figures:
            for variant in variants:
                values = [r.get(key, {}).get(figure) for r in variant.results]
                bases = [r.get(key, {}).get(figure) for r in base.results]
                if all(v is None for v in values):
                    continue
                ratios = [v / b for v, b in zip(values, bases, strict=False) if v and b]
                shown = " / ".join(_num(v) for v in values)
                if variant is base:
                    lines.append(f"| {key} | {label} | {variant.name} | {shown} | | |")
                    continue
                median = f"{statistics.median(ratios):.2f}" if ratios else "-"
                each = " / ".join(f"{r:.2f}" for r in ratios)
                lines.append(f"| {key} | {label} | {variant.name} | {shown} | {each} | {median} |")
    lost = {
        v.name: sum(f.get("lost", 0) or 0 for r in v.results for f in r.values()) for v in variants
    }
    problems = {
        v.name: sum(f.get("server_problems", 0) or 0 for r in v.results for f in r.values())
        for v in variants
    }
    lines += ["", f"Lost, all rounds: {lost}; server log errors: {problems}."]
    return lines


def drop_databases(variants: list[Variant]) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        for v in variants:
            for name in (v.database, v.boards_database):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_alarm(signum: int, frame: object) -> None:
    raise TimeoutError("bench.ab ran past its hard timeout")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(args.timeout)
    started = time.monotonic()
    variants: list[Variant] = args.variants
    for v in variants:
        v.commit = subprocess.run(  # noqa: S603
            ["git", "-C", str(v.directory), "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"ab: {v.name} = {v.directory} at {v.commit}, env {v.env}, redis db {v.redis_db}")
    schedule = []
    try:  # a hard timeout still reports the rounds done
        for round_ in range(args.rounds):
            order = variants if round_ % 2 == 0 else variants[::-1]
            for v in order:
                t = time.monotonic()
                figures = bench_round(v, args)
                v.results.append(figures)
                schedule.append(f"{round_ + 1}:{v.name}")
                summary = ", ".join(
                    f"{k}: {_num(f.get('per_second'))}/s p99 {_num(f.get('p99_ms'))}"
                    for k, f in figures.items()
                )
                print(f"ab: round {round_ + 1} {v.name} ({time.monotonic() - t:.0f} s): {summary}")
                sys.stdout.flush()
    except TimeoutError as exc:
        print(f"ab: {exc}; reporting the rounds done")
    finally:
        signal.alarm(0)
        drop_databases(variants)
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = {v.name: {"commit": v.commit, "env": v.env, "rounds": v.results} for v in variants}
        path.write_text(json.dumps({"order": schedule, "variants": raw}, indent=2))
    print(f"ab: {args.rounds} rounds in {time.monotonic() - started:.0f} s, order {schedule}")
    print("\n".join(report(variants)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
