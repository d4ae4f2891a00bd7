"""`python -m bench`: the rooms' scenarios, per channel layer, with 1 and 2 daphne processes.

Bounded: fixed counts, a timeout on every wait and a hard timeout on the whole run. It owns a
PostgreSQL database (dropped and re-created: its name must contain "bench") and a Redis db
(flushed), starts its own daphne processes on free ports and stops them by PID.
"""

import argparse
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from bench import report
from bench.scenarios import QUICK, SCENARIOS, Context, Sizes, warm_up
from bench.servers import (
    PROJECT_DIR,
    Servers,
    base_env,
    cpu_seconds,
    flush_redis,
    machine_busy_seconds,
    manage,
    raise_open_files_limit,
    recreate_database,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_bench"
REDIS_URL = "redis://127.0.0.1:6379/3"
# Layer variants: the settings' own defaults for each backend, and the library's defaults
# (to show what they lose). Each maps to the environment daphne gets.
LAYERS = {
    "pubsub": {"CHANNEL_LAYER_BACKEND": "pubsub"},
    "redis": {"CHANNEL_LAYER_BACKEND": "redis"},
    "redis-defaults": {
        "CHANNEL_LAYER_BACKEND": "redis",
        "CHANNEL_LAYER_CAPACITY": "100",
        "CHANNEL_LAYER_GROUP_EXPIRY": "86400",
        "REDIS_MAX_CONNECTIONS": "100",
    },
}
APPS = {"nexus": "nexus_live.asgi:application", "echo": "bench.echo:application"}
LAYER_CLASSES = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "redis": "channels_redis.core.RedisChannelLayer",
}


class HardTimeout(BaseException):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise HardTimeout("the bench ran past its hard timeout")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--layers", type=_csv, default=["pubsub", "redis"], help=", ".join(LAYERS))
    parser.add_argument("--procs", type=_csv, default=["1", "2"], help="daphne processes: 1,2")
    parser.add_argument(
        "--scenarios", type=_csv, default=list(SCENARIOS), help="burst,paced,rooms,idle"
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke test")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run every scenario against a plain Channels chat (bench/echo.py), "
        "in the same run, and print the ratios",
    )
    parser.add_argument(
        "--timeout", type=int, default=None, help="hard limit, seconds (900; 1800 with --compare)"
    )
    parser.add_argument(
        "--output",
        default=str(PROJECT_DIR / "docs" / "benchmarks.md"),
        help="report to write ('-': none)",
    )
    args = parser.parse_args(argv)
    unknown = [x for x in args.layers if x not in LAYERS] + [
        x for x in args.scenarios if x not in SCENARIOS
    ]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    args.procs = [int(p) for p in args.procs]
    if args.timeout is None:
        args.timeout = 1800 if args.compare else 900
    return args


def _connections(env: dict[str, str]) -> str:
    if env["DATABASE_POOL"].lower() in ("false", "0", "no", "off"):
        return f"DATABASE_POOL=false, CONN_MAX_AGE={env['CONN_MAX_AGE']}"
    return "DATABASE_POOL=true (psycopg's pool, CONN_MAX_AGE=0)"


def _summary(fig: dict) -> str:
    if "failed" in fig:
        return f"FAILED {fig['failed']}"
    if fig["scenario"] == "idle":
        kb = {k: round(v, 1) for k, v in fig.items() if k.startswith("kb_per_conn_")}
        return f"{kb} reached={fig.get('idle_delivered')} errors={fig.get('errors')}"
    p50 = f"{fig['p50_ms']:.1f}" if fig["p50_ms"] is not None else "-"
    p99 = f"{fig['p99_ms']:.1f}" if fig["p99_ms"] is not None else "-"
    return (
        f"{fig['per_second']:,.0f} deliveries/s ({fig['posts_per_second']:,.0f} posts/s) "
        f"p50 {p50} ms p99 {p99} ms lost {fig['lost']} dup {fig['duplicates']} "
        f"persisted {fig['persisted']} errors {fig['errors'] or 0} "
        f"server-log {fig['server_problems']}"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def run_configuration(
    *,
    env: dict,
    layer: str,
    procs: int,
    names: list[str],
    ctx_args: dict,
    log_dir: Path,
    app: str = "nexus",
) -> list[dict]:
    results = []
    flush_redis(env["REDIS_URL"])
    label = f"{layer}-{procs}" + ("-idle" if names == ["idle"] else "")
    label += "-echo" if app == "echo" else ""
    with Servers(env, log_dir, procs, label, APPS[app]) as servers:
        ctx = Context(servers, tag=label.replace(".", ""), reference=app == "echo", **ctx_args)
        warm_up(ctx)
        for name in names:
            before = len(servers.problems())
            started = time.monotonic()
            cpu_before = [cpu_seconds(d.pid) for d in servers.daphnes]
            busy_before = machine_busy_seconds()
            own_before = sum(os.times()[:2])
            try:
                fig = SCENARIOS[name](ctx)
            except Exception as exc:  # one failed scenario must not hide the others
                fig = {"scenario": name, "failed": f"{type(exc).__name__}: {exc}"}
            problems = servers.problems()[before:]
            wall = time.monotonic() - started
            cpu = [cpu_seconds(d.pid) - b for d, b in zip(servers.daphnes, cpu_before, strict=True)]
            fig.update(
                app=app,
                daphne_cpu_pct=[round(100 * c / wall) for c in cpu],
                cpu_ms_per_post=1000 * sum(cpu) / fig["posts"] if fig.get("posts") else None,
                machine_busy_pct=round(100 * (machine_busy_seconds() - busy_before) / wall),
                loadgen_cpu_pct=round(100 * (sum(os.times()[:2]) - own_before) / wall),
                layer=layer,
                procs=procs,
                server_problems=len(problems),
                server_problem_sample=problems[:5],
                wall_s=round(wall, 1),
            )
            print(
                f"[{label}] {name}: {_summary(fig)} | cpu% daphne {fig['daphne_cpu_pct']} "
                f"({_ms(fig['cpu_ms_per_post'])} ms a post) "
                f"loadgen {fig['loadgen_cpu_pct']} machine {fig['machine_busy_pct']} "
                f"wall {fig['wall_s']} s",
                flush=True,
            )
            for line in problems[:5]:
                print(f"    server: {line[:300]}", flush=True)
            results.append(fig)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(args.timeout)
    started = time.monotonic()
    sizes = QUICK if args.quick else Sizes()
    open_files = raise_open_files_limit()
    database_url = os.environ.get("BENCH_DATABASE_URL", DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    log_dir = PROJECT_DIR / "var" / "bench"
    env = base_env(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(50),
        layer_env={
            "DATABASE_POOL": os.environ.get("DATABASE_POOL", "true"),
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),  # read with the pool off only
        },
    )

    print(f"bench: database {database_url}, redis {redis_url}, ulimit -n {open_files}", flush=True)
    recreate_database(database_url)
    manage(env, "migrate", "--noinput")
    os.environ.update(env)  # this process reads and writes the same database through Django
    import django

    django.setup()
    from bench import fixtures

    people = fixtures.make_people(sizes.people_needed())
    ctx_args = {"people": people, "sizes": sizes}

    load_names = [n for n in args.scenarios if n != "idle"]
    results: list[dict] = []
    apps = ["nexus", "echo"] if args.compare else ["nexus"]
    try:
        for layer in args.layers:
            layer_env = dict(env, **LAYERS[layer])
            for procs in args.procs:
                for app in apps:  # back to back: the reference runs on the same machine state
                    if load_names:
                        results += run_configuration(
                            env=layer_env,
                            layer=layer,
                            procs=procs,
                            names=load_names,
                            ctx_args=ctx_args,
                            log_dir=log_dir,
                            app=app,
                        )
            for app in apps:
                if "idle" in args.scenarios:  # a fresh process, alone
                    results += run_configuration(
                        env=layer_env,
                        layer=layer,
                        procs=1,
                        names=["idle"],
                        ctx_args=ctx_args,
                        log_dir=log_dir,
                        app=app,
                    )
    finally:
        signal.alarm(0)
        log_dir.mkdir(parents=True, exist_ok=True)
        (log_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))

    s = sizes
    config = {
        "layers compared": "; ".join(
            f"`{n}`: `{LAYER_CLASSES[LAYERS[n]['CHANNEL_LAYER_BACKEND']]}`"
            + "".join(f", {k}={v}" for k, v in LAYERS[n].items() if k != "CHANNEL_LAYER_BACKEND")
            for n in args.layers
        ),
        "layer settings": "the defaults of `nexus_live/settings.py` unless overridden above "
        "(see docs/decisions/003-channel-layer.md)",
        "daphne environment": f"DEBUG=0, {_connections(env)}, rate limit "
        "lifted (CHAT_RATE_BURST=1000000), Redis db of its own (flushed per configuration), "
        "PostgreSQL database of its own",
        "burst scenario": f"1 room, {s.burst_clients} clients spread over the daphne "
        f"processes, {s.burst_senders} send {s.burst_posts} each, {s.burst_window} un-acked "
        "posts at most per sender",
        "paced scenario": f"1 room, {s.paced_clients} clients, {s.paced_senders} senders "
        f"together {s.paced_rate:g} posts/s for {s.paced_seconds:g} s "
        f"(= {s.paced_rate * s.paced_clients:,.0f} deliveries/s)",
        "rooms scenario": f"{s.rooms} rooms x {s.room_clients} clients (the two of a room on "
        f"different processes when there are 2), each sends {s.room_posts}, "
        f"{s.room_window} un-acked at most",
        "idle scenario": f"{' then '.join(f'{n:,}' for n in s.idle_stages)} idle sockets to "
        f"one daphne process in {s.idle_rooms} rooms; RSS from /proc/<pid>/status; then one "
        "message per room must reach every socket",
        "run time": f"{time.monotonic() - started:.0f} s" + (" (quick mode)" if args.quick else ""),
    }
    if args.compare:
        config["reference"] = (
            "`--compare`: every scenario also ran against `bench/echo.py`, a plain Channels "
            "chat as the Channels tutorial builds it (stores nothing, renders nothing), with "
            "the same layer, the same load generator and the same number of processes, just "
            "after ours"
        )
    if args.output != "-":
        report.write(Path(args.output), results, report.machine(database_url, redis_url), config)
        print(f"bench: wrote {args.output}", flush=True)
    for ours, theirs in report.compared(results):
        if ours["scenario"] == "idle":
            continue
        print(
            f"compare [{ours['layer']}-{ours['procs']}] {ours['scenario']}: "
            f"{ours['per_second']:,.0f} / {theirs['per_second']:,.0f} deliveries/s = "
            f"{ours['per_second'] / max(theirs['per_second'], 1e-9):.2f}; CPU a post "
            f"{_ms(ours['cpu_ms_per_post'])} / {_ms(theirs['cpu_ms_per_post'])} ms",
            flush=True,
        )
    ours = [r for r in results if r.get("app", "nexus") == "nexus"]
    failed = [r for r in ours if not report.meets(r)]
    print(f"bench: {len(ours) - len(failed)}/{len(ours)} results meet their target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
