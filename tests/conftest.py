"""A Redis and a RabbitMQ of the test's own, to kill and restart: never the shared servers other
runs use."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server subprocess on a free port; stopped by its own PID only."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        """Dead at once, as a crashed or unplugged Redis: SIGKILL by PID."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self) -> None:
        """Alive but silent (SIGSTOP): connections open, nothing is ever answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)


class PrivateRabbitMQ:
    """A RabbitMQ node of its own (name, ports, data directory), in a process group of its own:
    the start script, the Erlang VM and its helpers end together, by that group's ID."""

    START_SECONDS = 60

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.process: subprocess.Popen | None = None
        self.environment = os.environ | {
            "RABBITMQ_NODENAME": f"nexus-test-{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(_free_port()),
            "RABBITMQ_MNESIA_BASE": str(directory / "data"),
            "RABBITMQ_LOG_BASE": str(directory / "log"),
            "RABBITMQ_PID_FILE": str(directory / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(directory / "advanced.config"),
        }

    def start(self) -> None:
        """Up and taking connections again, on the same port and data (what a restart is)."""
        self.process = subprocess.Popen(
            [self.server()],
            cwd=self.directory,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.START_SECONDS
        while not _accepts(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"RabbitMQ did not start; its logs: {self.directory / 'log'}")
            time.sleep(0.2)

    def kill(self) -> None:
        """Dead at once, as a crashed broker: SIGKILL to its own process group."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        deadline = time.monotonic() + 10
        while _accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    @staticmethod
    def server() -> str:
        """The server script itself: Debian's /usr/sbin wrapper would switch to the rabbitmq
        user and drop the environment that makes this node its own."""
        found = shutil.which("rabbitmq-server", path="/usr/lib/rabbitmq/bin")
        if found is None:
            missing = "RabbitMQ's server is not installed in /usr/lib/rabbitmq/bin"
            pytest.fail(missing) if os.environ.get("CI") == "true" else pytest.skip(missing)
        return found


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def private_rabbitmq():
    with tempfile.TemporaryDirectory(prefix="nexus-rabbitmq-") as directory:
        server = PrivateRabbitMQ(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.kill()


@pytest.fixture
def private_redis():
    from nexus_live import redis as shared_redis

    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.resume()  # a stopped process cannot act on SIGKILL until continued
        server.kill()
        shared_redis._breakers.pop(server.url, None)  # a later test may get the same port


@pytest.fixture
def redis_url_at(private_redis, settings):
    """REDIS_URL points at the private server (the cache and channel layer stay shared)."""
    settings.REDIS_URL = private_redis.url
    return private_redis
