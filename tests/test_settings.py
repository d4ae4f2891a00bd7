"""What nexus_live/settings.py makes of the environment, each case in a child process.

This test process runs with the test run's development environment (tests/settings.py), so
every case here starts a child Django with exactly the variables it names.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.test_deploy import BASE_DIR, child_env, production_env, run

_PRINT_SETTING = """
import json, sys
from django.conf import settings
print(json.dumps(getattr(settings, sys.argv[1], None)))
"""


def setting(name: str, env: dict[str, str]) -> object:
    """The value of one setting in a child Django started with `env`."""
    result = run([sys.executable, "-c", _PRINT_SETTING, name], env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


# --- DEBUG and SECRET_KEY -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "check"],
        # What the image runs when started bare (`docker run nexus-live`).
        ["-m", "daphne", "-b", "127.0.0.1", "-p", "0", "nexus_live.asgi:application"],
    ],
    ids=["manage.py", "daphne"],
)
def test_it_refuses_to_start_without_a_secret_key(command):
    try:
        result = subprocess.run(
            [sys.executable, *command],
            cwd=BASE_DIR,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("it started without a SECRET_KEY")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY is not set" in last_line, result.stderr


def test_debug_is_off_unless_asked_for():
    assert setting("DEBUG", child_env(SECRET_KEY="x" * 50)) == "false"
    assert setting("DEBUG", child_env(SECRET_KEY="x" * 50, DEBUG="true")) == "true"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_serves_the_app_with_no_environment(tmp_path):
    """The README's first command, with no variable set: make run brings its own development
    environment (DEBUG on, a secret of this checkout's own in var/)."""
    port = _free_port()
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=BASE_DIR,
            env=child_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, then daphne under it
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                url = f"http://127.0.0.1:{port}/accounts/login/"
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log.read_text(errors="replace")
                    pytest.fail(f"make run did not serve (exit {process.returncode}):\n{output}")
                time.sleep(0.25)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    secret = BASE_DIR / "var" / "dev-secret-key"
    assert len(secret.read_text().strip()) >= 50
    assert secret.stat().st_mode & 0o077 == 0, "the development secret is readable by others"


# --- behind a proxy -----------------------------------------------------------------------------

_FORWARDED_HTTPS_IS_SECURE = """
import django

django.setup()

from django.test import RequestFactory

request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https", secure=False)
print(request.is_secure())
"""


def _forwarded_https_is_secure(**env: str) -> bool:
    result = run([sys.executable, "-c", _FORWARDED_HTTPS_IS_SECURE], production_env(**env))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1] == "True"


def test_it_ignores_x_forwarded_proto_unless_told_a_proxy_sets_it():
    """Without a proxy in front, anyone can send the header: plain HTTP would pass as HTTPS."""
    assert not _forwarded_https_is_secure()
    assert not _forwarded_https_is_secure(TRUST_PROXY_HEADERS="false")


def test_it_trusts_x_forwarded_proto_behind_a_proxy():
    assert _forwarded_https_is_secure(TRUST_PROXY_HEADERS="true")
