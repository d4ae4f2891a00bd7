"""A Redis of the test's own, to kill and restart: never the shared server other runs use."""

import os
import signal
import socket
import subprocess
import time

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
