"""Browser tests: Debian's Chromium (Playwright, sync API) against a real daphne.

The server is a subprocess serving the *test* database, so a test that creates rows must
commit them: use ``@pytest.mark.django_db(transaction=True)``. Run these tests in their own
pytest process (``pytest -m browser``); every test in this folder gets the marker.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from conftest import PASSWORD

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BROWSER_TESTS_DIR.parents[1]
# Git ignores var/: a test run leaves the tracked docs/screenshots alone (`make screenshots`
# copies a run's into them).
SCREENSHOTS_DIR = PROJECT_DIR / "var" / "screenshots"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DAPHNE = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
SERVER_STARTUP_SECONDS = 30
PAGE_TIMEOUT_MS = 10_000

_sqlite_test_dir: str | None = None


def _is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_TESTS_DIR in Path(item.path).parents


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """Mark before `-m` deselects; afterwards move browser tests last.

    Playwright's sync API leaves an event loop behind, so in a mixed run nothing async may
    come after it (the Makefile runs `-m browser` as its own process anyway).
    """
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)
    result = yield
    items.sort(key=_is_browser_test)  # stable: keeps every other ordering
    return result


def pytest_collection_finish(session: pytest.Session) -> None:
    """pytest-django's SQLite test database lives in memory: daphne could not see it.

    When browser tests were selected, make it a file in a temporary directory instead.
    """
    global _sqlite_test_dir
    if not any(_is_browser_test(item) for item in session.items):
        return
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    test_settings = db.setdefault("TEST", {})
    name = test_settings.get("NAME") or ":memory:"
    if name == ":memory:" or "mode=memory" in name:
        _sqlite_test_dir = tempfile.mkdtemp(prefix="nexus-browser-")
        test_settings["NAME"] = str(Path(_sqlite_test_dir) / "test.sqlite3")


def pytest_sessionfinish() -> None:
    if _sqlite_test_dir:
        shutil.rmtree(_sqlite_test_dir, ignore_errors=True)


def _test_database_url() -> str:
    """DATABASE_URL for the subprocess: the same server, but the test database."""
    engine = connection.settings_dict["ENGINE"]
    name = str(connection.settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail(
                f"SQLite test database {name!r} is in memory; run browser tests as "
                "`pytest -m browser` so tests/browser/conftest.py can make it a file"
            )
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        return urlunsplit(parts._replace(path="/" + quote(name)))
    pytest.fail(f"browser tests do not know how to hand {engine} to daphne")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own http URL)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@dataclass(frozen=True)
class OtherOrigins:
    """Two tiny static servers on other ports of 127.0.0.1: another site's pages, as a frontend
    learner's dev server serves them. `allowed` is in the app's CORS_ALLOWED_ORIGINS, `refused`
    is not. A test writes its page into `folder`; both serve it."""

    folder: Path
    allowed: str
    refused: str


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def other_origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OtherOrigins]:
    folder = tmp_path_factory.mktemp("other-origin")
    servers = [
        ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(folder)))
        for _ in range(2)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    allowed, refused = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
    yield OtherOrigins(folder, allowed, refused)
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def live_server_url(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
    other_origins: OtherOrigins,
) -> Iterator[str]:
    """Start daphne on a free port against the test database; yield its base URL."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
        connection.close()  # the test process reconnects when it needs to
    env = os.environ.copy()
    env["DATABASE_URL"] = database_url
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server keeps Django's async safety checks
    env.setdefault("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.0/8")  # tests' webhook receivers
    env["CORS_ALLOWED_ORIGINS"] = other_origins.allowed  # the API's browser clients elsewhere
    logs = tmp_path_factory.mktemp("daphne")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    stdout_path, stderr_path = logs / "stdout.log", logs / "stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [*DAPHNE, "-p", str(port), "nexus_live.asgi:application"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        started = time.monotonic()
        while not _answers(f"{url}/healthz"):
            waited = time.monotonic() - started
            if process.poll() is not None or waited > SERVER_STARTUP_SECONDS:
                reason = (
                    f"exited with {process.returncode}"
                    if process.returncode is not None
                    else f"did not answer /healthz within {SERVER_STARTUP_SECONDS} s"
                )
                print(f"--- daphne stderr ({stderr_path}) ---")
                print(stderr_path.read_text(errors="replace"))
                pytest.fail(f"daphne on port {port} {reason}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = "install Debian's chromium: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio loop marked running in this thread, so Django
    # would refuse ORM calls from fixtures and tests. Only this process is exempted; the
    # daphne subprocess keeps its async-safety checks (see live_server_url).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> Callable[[Page], list[str]]:
    """`console_errors(page)`: the list, kept up to date, of that page's console errors
    and uncaught exceptions (a Content-Security-Policy violation shows up here)."""
    by_page: dict[Page, list[str]] = {}

    def errors_of(page: Page) -> list[str]:
        if page not in by_page:
            errors: list[str] = []
            by_page[page] = errors

            def on_console(msg: ConsoleMessage) -> None:
                # The pages link static/favicon.svg (templates/base.html): a failed icon load
                # is an error like any other.
                if msg.type == "error":
                    errors.append(f"{page.url}: {msg.text} [{msg.location.get('url') or ''}]")

            page.on("console", on_console)
            page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return by_page[page]

    return errors_of


def off_the_loop(action: Callable[..., Any], /, **kwargs: Any) -> Any:
    """`action(**kwargs)` as a request would run it: in a thread with no event loop, so its
    after-commit events reach the channel layer (Playwright keeps a loop running in the test's
    thread, where async_to_sync refuses to publish)."""
    done: list[Any] = []

    def run() -> None:
        try:
            done.append(action(**kwargs))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return done[0]


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait for the home page."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


@pytest.fixture
def new_person_page(
    browser: Browser,
    live_server_url: str,
    console_errors: Callable[[Page], list[str]],
) -> Iterator[Callable[..., Page]]:
    """`new_person_page(user, **context_options)`: a signed-in page in a fresh browser
    context. Two calls are two people (or one person on two devices): separate cookies.
    Console errors are recorded from the start; read them with `console_errors(page)`."""
    contexts: list[BrowserContext] = []

    def open_page(user: Any, *, password: str = PASSWORD, **context_options: Any) -> Page:
        options = {"viewport": DESKTOP, "color_scheme": "light", "locale": "en-US"}
        options.update(context_options)
        context = browser.new_context(base_url=live_server_url, **options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console_errors(page)
        sign_in(page, user.email, password)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def worker(live_server_url):
    """A Celery worker process on the test database, when there is a broker to take from."""
    if not (os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")):
        yield None  # tasks run in the server, at once
        return
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "nexus_live", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
        cwd=PROJECT_DIR, env=env,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def nexus(team, alice):
    """The team's private room, for the tests of what one person's page shows another."""
    from chat.models import Room

    return Room.objects.create(
        name="nexus", slug="nexus", team=team, is_private=True, created_by=alice
    )


def open_room(new_person_page, person, room, **options) -> Page:
    """`person`'s page on `room`, once its socket says Live."""
    page = new_person_page(person, **options)
    page.goto(f"/rooms/{room.slug}/")
    expect(page.locator("#connection")).to_have_text("Live")
    return page
