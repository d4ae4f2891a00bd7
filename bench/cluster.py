"""`make cluster N=3`: the production topology on this machine, without Docker.

N daphne processes on 127.0.0.1 ports, HAProxy (deploy/haproxy.cfg, from Debian's package) in
front of them on one port, on the PostgreSQL and Redis that are already up. Runs in the
foreground until Ctrl-C or `make cluster-stop`; everything it started is stopped by its PID
(daphnes with SIGTERM, so they drain: nexus_live/drain.py). bench/faults.py drives the same
class.

    python -m bench.cluster --processes 3          # start, serve, stop on Ctrl-C / SIGTERM
    python -m bench.cluster --stop                 # SIGTERM the running cluster's PIDs
"""

import argparse
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from prometheus_client import multiprocess

from bench.servers import (
    PROJECT_DIR,
    Daphne,
    manage,
    raise_open_files_limit,
    start_daphne,
    stop_all,
    wait_until_up,
)

HAPROXY_CONFIG = PROJECT_DIR / "deploy" / "haproxy.cfg"
CLUSTER_DIR = PROJECT_DIR / "var" / "cluster"
PID_FILE = CLUSTER_DIR / "pids.json"
PROXY_PORT = 8300  # this machine's share: 8300-8399
FIRST_PORT = 8301
STATS_PORT = 8399
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nexus_cluster"
REDIS_URL = "redis://127.0.0.1:6379/6"
UP_SECONDS = 20


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if not found:
        raise SystemExit("HAProxy is missing: apt-get install -y haproxy")
    return found


def backend_config(ports: list[int], stats_port: int) -> str:
    """The local `backend web` (one server per daphne port) and a stats page for waiting."""
    servers = "\n".join(f"    server web{i} 127.0.0.1:{port}" for i, port in enumerate(ports))
    return (
        "# Written by bench/cluster.py: the local daphne processes.\n"
        f"backend web\n{servers}\n\n"
        f"listen stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n"
        "    stats uri /stats\n    stats refresh 0\n"
    )


def ensure_database(database_url: str) -> None:
    """Create the cluster's database if it does not exist (never drops anything)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def cluster_env(**overrides: str) -> dict[str, str]:
    """Production settings on 127.0.0.1 behind the proxy (which sets X-Forwarded-Proto)."""
    CLUSTER_DIR.mkdir(parents=True, exist_ok=True)
    secret = CLUSTER_DIR / "secret-key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(50))
        secret.chmod(0o600)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "DEBUG")
    }
    env.setdefault("DATABASE_URL", DATABASE_URL)
    env.setdefault("REDIS_URL", REDIS_URL)
    env.setdefault("CHANNEL_LAYER_PREFIX", "nexus-cluster")
    env.setdefault("CACHE_KEY_PREFIX", "nexus-cluster")
    env.update(
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secret.read_text().strip(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TRUST_PROXY_HEADERS="1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(CLUSTER_DIR / "static"),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="nexus_live.settings",
    )
    env.update(overrides)
    return env


@dataclass
class Cluster:
    """N daphnes behind HAProxy. Start with `start()` (or `with`), stop with `stop()`."""

    processes: int
    env: dict[str, str]
    log_dir: Path
    proxy_port: int = PROXY_PORT
    first_port: int = FIRST_PORT
    stats_port: int = STATS_PORT
    daphnes: list[Daphne] = field(default_factory=list)
    proxy: subprocess.Popen | None = None

    @property
    def ports(self) -> list[int]:
        return [self.first_port + i for i in range(self.processes)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def __enter__(self) -> "Cluster":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def metrics_dir(self) -> Path:
        """prometheus-client's multiprocess directory, shared by the daphnes of this cluster."""
        return self.log_dir / "metrics"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Emptied before the processes start (the library's rule): old files would add up.
        shutil.rmtree(self.metrics_dir, ignore_errors=True)
        self.metrics_dir.mkdir()
        self.env = {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir)}
        try:
            self.daphnes = [self._daphne(i) for i in range(self.processes)]
            for daphne in self.daphnes:
                wait_until_up(daphne)
            self._start_proxy()
            self.wait_in_proxy(list(range(self.processes)))
        except BaseException:
            self.stop()
            raise

    def _daphne(self, i: int) -> Daphne:
        log = self.log_dir / f"daphne-{i}.log"
        # --proxy-headers: the client's address comes from HAProxy's X-Forwarded-For. Only the
        # proxy reaches these ports (127.0.0.1), and it replaces whatever a client sent.
        return start_daphne(self.ports[i], self.env, log, ("--proxy-headers",))

    def _start_proxy(self) -> None:
        backends = self.log_dir / "haproxy-backends.cfg"
        backends.write_text(backend_config(self.ports, self.stats_port))
        env = {
            **os.environ,
            "PROXY_BIND": f"127.0.0.1:{self.proxy_port}",
            "PROXY_CHECK_HOST": "127.0.0.1",
            "PROXY_MAXCONN": str(max(100, raise_open_files_limit() // 2 - 100)),
        }
        with (self.log_dir / "haproxy.log").open("ab") as out:
            self.proxy = subprocess.Popen(  # noqa: S603 (Debian's haproxy, our config)
                [haproxy_binary(), "-db", "-f", str(HAPROXY_CONFIG), "-f", str(backends)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def server_states(self) -> dict[str, str]:
        """HAProxy's view of each backend server: "UP", "DOWN", "UP 1/2"..."""
        url = f"http://127.0.0.1:{self.stats_port}/stats;csv"
        with urllib.request.urlopen(url, timeout=2) as response:
            text = response.read().decode().lstrip("# ")
        return {
            row["svname"]: row["status"]
            for row in csv.DictReader(io.StringIO(text))
            if row["pxname"] == "web" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def wait_in_proxy(self, indexes: list[int], within: float = UP_SECONDS) -> None:
        """Until HAProxy's health checks have marked these daphnes UP."""
        deadline = time.monotonic() + within
        while True:
            if self.proxy is not None and self.proxy.poll() is not None:
                raise RuntimeError(f"haproxy exited; see {self.log_dir / 'haproxy.log'}")
            try:
                states = self.server_states()
            except OSError:
                states = {}
            if all(states.get(f"web{i}") == "UP" for i in indexes):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy did not mark {indexes} up in time: {states}")
            time.sleep(0.1)

    def terminate(self, i: int, within: float = 30) -> float:
        """SIGTERM daphne `i` (it drains); seconds until it exited."""
        daphne = self.daphnes[i]
        started = time.monotonic()
        daphne.process.terminate()
        try:
            daphne.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            daphne.process.kill()
            daphne.process.wait()
        self._forget(i)
        return time.monotonic() - started

    def kill(self, i: int) -> None:
        """SIGKILL daphne `i`: a crash, no drain, no close frames."""
        self.daphnes[i].process.kill()
        self.daphnes[i].process.wait()
        self._forget(i)

    def _forget(self, i: int) -> None:
        """A dead daphne's open sockets are no longer open: drop its live gauges (a process
        that exits does it itself; one that was killed cannot)."""
        multiprocess.mark_process_dead(self.daphnes[i].pid, str(self.metrics_dir))

    def restart(self, i: int) -> None:
        """Start daphne `i` again on its port; returns once HAProxy sends to it."""
        self.daphnes[i] = self._daphne(i)
        wait_until_up(self.daphnes[i])
        self.wait_in_proxy([i])

    def pids(self) -> dict[str, object]:
        return {
            "proxy": self.proxy.pid if self.proxy else None,
            "daphnes": [d.pid for d in self.daphnes if d.process.poll() is None],
        }

    def stop(self) -> None:
        stop_all(self.daphnes)
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait()


def _stop_running() -> int:
    """SIGTERM the cluster recorded in var/cluster/pids.json (its runner stops the rest)."""
    if not PID_FILE.exists():
        print("no cluster is running (no var/cluster/pids.json)")
        return 0
    pids = json.loads(PID_FILE.read_text())
    runner = pids.get("runner")
    try:
        os.kill(runner, signal.SIGTERM)
        print(f"asked the cluster (runner PID {runner}) to stop")
    except (ProcessLookupError, TypeError):
        print("the cluster's runner is gone; stopping what it left, by PID")
        for pid in [*pids.get("daphnes", []), pids.get("proxy")]:
            if pid:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        PID_FILE.unlink(missing_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", "-n", type=int, default=3)
    parser.add_argument("--port", type=int, default=PROXY_PORT, help="the proxy's port")
    parser.add_argument("--stop", action="store_true", help="stop the running cluster")
    args = parser.parse_args()
    if args.stop:
        return _stop_running()
    if not 1 <= args.processes <= 90:
        raise SystemExit("--processes is 1 to 90 (ports 8301-8390)")

    env = cluster_env()
    ensure_database(env["DATABASE_URL"])
    print("migrating and collecting static files ...", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cluster = Cluster(args.processes, env, CLUSTER_DIR / "logs", proxy_port=args.port)
    try:
        cluster.start()
        PID_FILE.write_text(json.dumps({"runner": os.getpid(), **cluster.pids()}))
        print(
            f"Nexus Live on {cluster.url}/ : HAProxy in front of {args.processes} daphne "
            f"processes on ports {cluster.ports[0]}-{cluster.ports[-1]} (stats: "
            f"http://127.0.0.1:{cluster.stats_port}/stats); logs in {cluster.log_dir}; "
            f"metrics of all of them from any one: http://127.0.0.1:{cluster.ports[0]}/metrics.\n"
            "Ctrl-C or `make cluster-stop` stops everything.",
            flush=True,
        )
        while not stopping:
            for i, daphne in enumerate(cluster.daphnes):
                if daphne.process.poll() is not None:
                    print(f"daphne {i} exited ({daphne.process.returncode}): restarting it")
                    cluster._forget(i)
                    cluster.restart(i)
            time.sleep(0.5)
    finally:
        print("stopping the cluster ...", flush=True)
        cluster.stop()
        PID_FILE.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
