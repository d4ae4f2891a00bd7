"""SIGTERM drains a web process: it stops listening, closes its sockets with 1012 (the client
reconnects elsewhere) and exits within DRAIN_SECONDS. A real daphne, a real socket client."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import websockets
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.servers import answers, free_port
from nexus_live import drain

PROJECT_DIR = Path(__file__).resolve().parent.parent
DRAIN_SECONDS = 3
EXIT_BOUND = DRAIN_SECONDS + 10  # a loaded machine gets slack; daphne's own wait is 10 s
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]


def _test_database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("the daphne subprocess needs a database it can share: run on PostgreSQL")
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(str(connection.settings_dict["NAME"]))))


@pytest.fixture
def daphne(tmp_path):
    """A daphne subprocess on the test database; yields (process, port, log path)."""
    env = os.environ.copy()
    env.update(
        DATABASE_URL=_test_database_url(),
        DRAIN_SECONDS=str(DRAIN_SECONDS),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    port = free_port()
    log = tmp_path / "daphne.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*DAPHNE, "-p", str(port), "nexus_live.asgi:application"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not answers(f"http://127.0.0.1:{port}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def cookies(alice, bob) -> list[str]:
    """Session cookies of alice and bob (signed in; committed: the test is transactional)."""
    found = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        found.append(client.cookies["sessionid"].value)
    return found


async def _open(port: int, cookie: str):
    socket_ = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/me/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
    )
    first = json.loads(await asyncio.wait_for(socket_.recv(), timeout=10))
    assert first["type"] == "state", first
    return socket_


@pytest.mark.django_db(transaction=True)
async def test_sigterm_closes_sockets_with_1012_and_exits_in_time(daphne, cookies):
    process, port, log = daphne
    sockets = [await _open(port, cookie) for cookie in cookies]

    started = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    for socket_ in sockets:
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(socket_.recv(), timeout=EXIT_BOUND)
        assert socket_.close_code == 1012, log.read_text(errors="replace")
    try:
        await asyncio.to_thread(process.wait, max(0.1, started + EXIT_BOUND - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass

    text = log.read_text(errors="replace")
    assert process.poll() is not None, f"still running after {EXIT_BOUND} s:\n{text}"
    assert "closing 2 socket(s) with 1012" in text
    assert "0 socket(s) left to cancel" in text  # every disconnect() ran: no Online ghosts
    assert "Traceback" not in text


@pytest.mark.django_db(transaction=True)
async def test_a_draining_process_takes_no_new_connection(daphne, cookies):
    process, port, _log = daphne
    socket_ = await _open(port, cookies[0])
    os.kill(process.pid, signal.SIGTERM)
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(socket_.recv(), timeout=EXIT_BOUND)
    with pytest.raises(OSError):
        await _open(port, cookies[1])


def test_readyz_says_draining_while_the_process_drains(client, db, monkeypatch):
    monkeypatch.setattr(drain, "draining", True)
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {"status": "draining"}
