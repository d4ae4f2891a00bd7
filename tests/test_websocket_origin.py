"""WebSockets open only from the page's own origin (scheme, host and port) or a trusted one,
before any route or consumer runs: the rule Django's CSRF check applies to a form's Origin."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import ApplicationCommunicator, WebsocketCommunicator

from chat.models import Room
from chat.tests.conftest import _session_cookie
from nexus_live.asgi import application
from nexus_live.origin import OriginValidator

HOST = "127.0.0.1:8000"


async def accepting(scope, receive, send) -> None:
    """Stands for the routes: accepts every socket that reaches it."""
    while (message := await receive())["type"] != "websocket.disconnect":
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})


async def opens(*headers: tuple[str, str], scheme: str = "ws") -> bool:
    scope = {
        "type": "websocket", "path": "/ws/rooms/general/", "query_string": b"",
        "scheme": scheme, "subprotocols": [],
        "headers": [(name.encode(), value.encode("latin1")) for name, value in headers],
    }  # fmt: skip
    communicator = ApplicationCommunicator(OriginValidator(accepting), scope)
    await communicator.send_input({"type": "websocket.connect"})
    reply = await communicator.receive_output(timeout=2)
    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait(timeout=2)
    return reply["type"] == "websocket.accept"


async def test_it_accepts_the_pages_own_origin():
    assert await opens(("origin", f"http://{HOST}"), ("host", HOST))
    assert await opens(("origin", "http://localhost"), ("host", "localhost"))


async def test_it_accepts_the_pages_own_origin_over_tls():
    assert await opens(("origin", f"https://{HOST}"), ("host", HOST), scheme="wss")


@pytest.mark.parametrize(
    ("origin", "scheme"),
    [(f"https://{HOST}", "ws"), (f"http://{HOST}", "wss")],
    ids=["https-page-plain-socket", "http-page-tls-socket"],
)
async def test_it_refuses_another_scheme(origin, scheme):
    assert not await opens(("origin", origin), ("host", HOST), scheme=scheme)


@pytest.mark.parametrize("origin", ["http://127.0.0.1:9000", "http://127.0.0.1"])
async def test_it_refuses_another_port(origin):
    assert not await opens(("origin", origin), ("host", HOST))


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://evil.example:8000", "http://localhost:8000"]
)
async def test_it_refuses_a_foreign_host(origin):
    assert not await opens(("origin", origin), ("host", HOST))


async def test_it_refuses_a_host_that_is_not_allowed_even_from_its_own_page():
    """DNS rebinding: evil.example resolving to this server is still not this site."""
    assert not await opens(("origin", "http://evil.example:8000"), ("host", "evil.example:8000"))


@pytest.mark.parametrize(
    "headers",
    [
        [("host", HOST)],
        [("origin", "null"), ("host", HOST)],
        [("origin", f"http://{HOST}")],
        [("origin", f"http://{HOST}"), ("origin", "https://evil.example"), ("host", HOST)],
        [("origin", f"http://{HOST}/"), ("host", HOST)],
    ],
    ids=["no-origin", "null-origin", "no-host", "two-origins", "origin-with-path"],
)
async def test_it_refuses_a_missing_or_malformed_origin(headers):
    assert not await opens(*headers)


async def test_it_believes_the_tls_proxy_as_django_does(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = ("x-forwarded-proto", "https")
    assert await opens(("origin", "https://localhost"), ("host", "localhost"), proxied)
    assert not await opens(("origin", "http://localhost"), ("host", "localhost"), proxied)


async def test_it_accepts_the_trusted_origins_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com", "https://*.example.org"]
    for origin in ("https://app.example.com", "https://a.example.org", "https://example.org"):
        assert await opens(("origin", origin), ("host", HOST)), origin
    for origin in (
        "http://app.example.com",
        "https://app.example.com:8443",
        "http://a.example.org",
    ):
        assert not await opens(("origin", origin), ("host", HOST)), origin


@pytest.fixture
def general(db, alice) -> Room:
    return Room.objects.create(name="general", slug="general", created_by=alice)


async def _connects(user, *headers: tuple[bytes, bytes]) -> bool:
    cookie = (b"cookie", await database_sync_to_async(_session_cookie)(user))
    communicator = WebsocketCommunicator(
        application, "/ws/rooms/general/", headers=[*headers, cookie]
    )
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
async def test_the_app_lets_a_signed_in_person_in_from_the_page_only(alice, general):
    host = (b"host", HOST.encode())
    assert await _connects(alice, (b"origin", f"http://{HOST}".encode()), host)
    assert not await _connects(alice, (b"origin", b"http://127.0.0.1:9000"), host)
    assert not await _connects(alice, (b"origin", f"https://{HOST}".encode()), host)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/rooms/general/", "/ws/boards/1/"])
async def test_it_refuses_a_foreign_origin(path):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_it_refuses_a_missing_origin():
    communicator = WebsocketCommunicator(application, "/ws/rooms/general/")
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.disconnect()
