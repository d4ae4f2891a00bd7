"""The services a bench run needs: its own PostgreSQL database, its own Redis db, daphne processes.

Everything started here is stopped here, by the PID of the process we started.
"""

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

PROJECT_DIR = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120  # a busy machine: importing the project alone took 16 s, 3 at once over 60
STOP_SECONDS = 10
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]


def raise_open_files_limit(wanted: int = 65536) -> int:
    """`ulimit -n` for this process and the daphne processes it starts (they inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(database_url: str) -> None:
    """Drop and create the bench database (its name must contain "bench": a safety catch)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1 only)
            return response.status == 200
    except OSError:
        return False


def rss_kb(pid: int) -> int:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class Daphne:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def problems(self) -> list[str]:
        """Lines of the server log at ERROR/CRITICAL, and tracebacks."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [
            line
            for line in text.splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
        ]


@dataclass
class Servers:
    """N daphne processes on free ports, all sharing one database and one Redis db."""

    env: dict[str, str]
    log_dir: Path
    count: int
    label: str
    app: str = "nexus_live.asgi:application"
    daphnes: list[Daphne] = field(default_factory=list)

    def __enter__(self) -> "Servers":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for i in range(self.count):
                log = self.log_dir / f"daphne-{self.label}-{i}.log"
                self.daphnes.append(start_daphne(free_port(), self.env, log, app=self.app))
            for daphne in self.daphnes:
                wait_until_up(daphne)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ports(self) -> list[int]:
        return [d.port for d in self.daphnes]

    def problems(self) -> list[str]:
        return [line for d in self.daphnes for line in d.problems()]

    def stop(self) -> None:
        stop_all(self.daphnes)


def start_daphne(
    port: int,
    env: dict[str, str],
    log: Path,
    extra_args: tuple[str, ...] = (),
    app: str = "nexus_live.asgi:application",
) -> Daphne:
    """One daphne process on 127.0.0.1:`port` serving `app`, its output in `log` (not yet
    waited for)."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter)
            [*DAPHNE, "-p", str(port), *extra_args, app],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Daphne(port, process, log)


def wait_until_up(daphne: Daphne) -> None:
    started = time.monotonic()
    while not answers(f"http://127.0.0.1:{daphne.port}/healthz"):
        if daphne.process.poll() is not None:
            raise RuntimeError(f"daphne exited with {daphne.process.returncode}; see {daphne.log}")
        if time.monotonic() - started > STARTUP_SECONDS:
            raise RuntimeError(f"daphne did not answer in time; see {daphne.log}")
        time.sleep(0.05)


def stop_all(daphnes: list[Daphne]) -> None:
    """SIGTERM each (they drain: nexus_live/drain.py), then SIGKILL whatever outlives the wait."""
    for daphne in daphnes:
        if daphne.process.poll() is None:
            daphne.process.terminate()
    for daphne in daphnes:
        try:
            daphne.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            daphne.process.kill()
            daphne.process.wait()


def base_env(
    *, database_url: str, redis_url: str, secret_key: str, layer_env: dict[str, str]
) -> dict[str, str]:
    """The environment of daphne (and of this process's Django): production-like, 127.0.0.1."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        CHAT_RATE_BURST="1000000",
        CHAT_RATE_INTERVAL="0.000001",
        STATIC_ROOT=str(PROJECT_DIR / "var" / "bench" / "static"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="nexus_live.settings",
    )
    env.update(layer_env)
    return env


def stop_after(seconds: int, what: str) -> None:
    """A hard timeout for a whole run: SIGALRM raises TimeoutError in the main thread."""

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what} ran past its hard timeout")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)


def set_up_django(env: dict[str, str], *, in_process: bool = False, **extra: str) -> None:
    """Migrate and collect static files for the daphnes of `env`, then set this process's
    Django up on the same database, without Redis (it writes fixtures and reads results).
    `in_process`: migrate and collect here, after the set-up, rather than in two processes of
    their own (each one imports the whole project: seconds on a busy machine)."""
    if not in_process:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    keep = ("DATABASE_URL", "SECRET_KEY", "DEBUG") + (("STATIC_ROOT",) if in_process else ())
    os.environ.update({k: env[k] for k in keep})
    os.environ.update(DJANGO_SETTINGS_MODULE="nexus_live.settings", REDIS_URL="", **extra)
    import django

    django.setup()
    if in_process:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)


def write_block(name: str, lines: list[str]) -> None:
    """Put `lines` (from `<!-- name:start -->` to `<!-- name:end -->`) in docs/benchmarks.md,
    in place of that block, or at the end the first time."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    path = PROJECT_DIR / "docs" / "benchmarks.md"
    text, block = path.read_text(), "\n".join(lines)
    if start in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
