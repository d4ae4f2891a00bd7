"""What nexus_live/settings.py makes of the environment, each case in a child process.

This test process runs with the test run's development environment (tests/settings.py), so
every case here starts a child Django with exactly the variables it names.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from tests.test_deploy import BASE_DIR, child_env, production_env, run

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1

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


# --- logging --------------------------------------------------------------------------------------

_LOGGER_STATE = """
import logging

import nexus_live.settings  # loading settings, without django.setup()

log = logging.getLogger("channels_redis.core")
print(log.level, len(log.filters))
"""


def test_loading_the_settings_changes_no_logger():
    """Logging is configured by Django from LOGGING, not by side effects of an import."""
    env = child_env(SECRET_KEY="x" * 50, REDIS_URL=DEAD_REDIS, CHANNEL_LAYER_BACKEND="redis")
    result = run([sys.executable, "-c", _LOGGER_STATE], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(logging.NOTSET), "0"]


_DROP_MESSAGES = """
import asyncio
import uuid

import django

django.setup()

from channels.layers import get_channel_layer


async def main():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("drops", channel)
    try:
        for n in range(3):  # capacity 1: the second and third are dropped
            await layer.group_send("drops", {"type": "test.message", "n": n})
    finally:
        await layer.flush()


asyncio.run(main())
"""


def test_a_channel_layer_drop_is_logged_as_an_error_whatever_the_log_level():
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs a real Redis (REDIS_URL)")
    env = child_env(
        SECRET_KEY="x" * 50,
        REDIS_URL=redis_url,
        CHANNEL_LAYER_BACKEND="redis",
        CHANNEL_LAYER_CAPACITY="1",
        CHANNEL_LAYER_PREFIX=f"nexus-test-drops-{uuid.uuid4().hex}",
        LOG_LEVEL="WARNING",
        LOG_FORMAT="plain",  # the line format this test reads; JSON says the same level
    )
    result = run([sys.executable, "-c", _DROP_MESSAGES], env)
    assert result.returncode == 0, result.stderr
    drops = [line for line in result.stderr.splitlines() if "over capacity" in line]
    assert len(drops) == 2, result.stderr
    assert all(" ERROR channels_redis.core " in line for line in drops), drops


# --- mail ---------------------------------------------------------------------------------------


def test_email_url_sets_djangos_email_settings():
    env = child_env(SECRET_KEY="x" * 50, EMAIL_URL="smtp+tls://mailer:p%40ss@smtp.example.com:587")
    assert json.loads(setting("EMAIL_BACKEND", env)) == (
        "django.core.mail.backends.smtp.EmailBackend"
    )
    assert json.loads(setting("EMAIL_HOST", env)) == "smtp.example.com"
    assert json.loads(setting("EMAIL_PORT", env)) == 587
    assert json.loads(setting("EMAIL_HOST_USER", env)) == "mailer"
    assert json.loads(setting("EMAIL_HOST_PASSWORD", env)) == "p@ss"
    assert json.loads(setting("EMAIL_USE_TLS", env)) is True
    assert json.loads(setting("EMAIL_USE_SSL", env)) is False


def test_email_url_options_django_does_not_read_are_refused():
    """They used to land in a stray top-level OPTIONS setting, silently unused."""
    env = child_env(SECRET_KEY="x" * 50, EMAIL_URL="smtp://smtp.example.com:25?timeout=10")
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr.strip().splitlines()[-1], result.stderr


# --- Redis as a tier ----------------------------------------------------------------------------
def test_the_channel_layer_shards_over_every_listed_redis_and_the_cache_stays_on_one():
    shards = "redis://127.0.0.1:6392/0,redis://127.0.0.1:6393/0"
    env = child_env(
        SECRET_KEY="x" * 50, REDIS_URL="redis://127.0.0.1:6379/9", CHANNEL_LAYER_REDIS_URLS=shards
    )
    for backend in ("pubsub", "redis"):
        layers = json.loads(setting("CHANNEL_LAYERS", {**env, "CHANNEL_LAYER_BACKEND": backend}))
        hosts = layers["default"]["CONFIG"]["hosts"]
        assert [host["address"] for host in hosts] == shards.split(",")  # in this order
    assert json.loads(setting("CACHES", env))["default"]["LOCATION"] == "redis://127.0.0.1:6379/9"


def test_shards_without_redis_url_are_refused():
    env = child_env(SECRET_KEY="x" * 50, CHANNEL_LAYER_REDIS_URLS="redis://127.0.0.1:6392/0")
    result = run([sys.executable, "-c", _PRINT_SETTING, "CHANNEL_LAYERS"], env)
    assert result.returncode != 0
    assert "CHANNEL_LAYER_REDIS_URLS needs REDIS_URL" in result.stderr
