"""WebSockets open only from this site's own pages: the Origin must be scheme://host[:port] exact.

Channels' AllowedHostsOriginValidator compares the Origin's host with ALLOWED_HOSTS and ignores
its scheme and port, so a page on http://127.0.0.1:9000 (any local program) or on plain http
next to an https site could open a socket with the person's cookies. The rule here is the one
Django's CsrfViewMiddleware applies to a form's Origin, so a deploy that accepts its own form
posts accepts its own sockets with no further setting:

- the Origin equals the handshake's own origin: http or https (wss, or the TLS proxy's
  SECURE_PROXY_SSL_HEADER, as request.is_secure() decides), then the Host header, which must
  be in ALLOWED_HOSTS (a page of evil.example that resolves to this server is not ours); or
- the Origin is in CSRF_TRUSTED_ORIGINS ("https://*.example.com" for subdomains), for a site
  served from another origin than its sockets.

Development needs nothing more: the page and its socket share http://127.0.0.1:<port>.
"""

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.request import is_same_domain

log = logging.getLogger(__name__)

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class _Handshake(HttpRequest):
    """The WebSocket handshake seen as Django sees a request: its host and whether it is secure,
    with ALLOWED_HOSTS, USE_X_FORWARDED_HOST and SECURE_PROXY_SSL_HEADER applied the same way."""

    def __init__(self, scope: dict) -> None:
        super().__init__()
        self._secure_scheme = scope.get("scheme") == "wss"
        for name, value in scope.get("headers", []):
            key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
            self.META[key] = value.decode("latin1")

    def _get_scheme(self) -> str:
        return "https" if self._secure_scheme else "http"


def _origin_headers(scope: dict) -> list[str]:
    return [value.decode("latin1") for name, value in scope.get("headers", []) if name == b"origin"]


def origin_allowed(scope: dict) -> bool:
    origins = _origin_headers(scope)
    if len(origins) != 1:
        return False
    origin = origins[0]
    handshake = _Handshake(scope)
    if "HTTP_HOST" in handshake.META:
        try:
            own = f"{handshake.scheme}://{handshake.get_host()}"
        except DisallowedHost:
            own = None
        if origin == own:
            return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, urlsplit(pattern).netloc.lstrip("*"))
        for pattern in trusted
        if "*" in pattern and urlsplit(pattern).scheme == parsed.scheme
    )


class OriginValidator:
    """ASGI middleware for the websocket protocol: refuse the handshake before any route runs.
    It answers the next application's awaitable (no frame of its own for the socket's life)."""

    _asgi_single_callable = True

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    def __call__(self, scope: dict, receive: Callable, send: Callable) -> Awaitable[None]:
        if scope["type"] != "websocket":
            raise ValueError("OriginValidator guards WebSocket connections only")
        if origin_allowed(scope):
            return self.application(scope, receive, send)
        log.warning(
            "WebSocket refused: Origin %s is not the page's own nor trusted (Host %s)",
            _origin_headers(scope) or "missing",
            dict(scope.get("headers", [])).get(b"host", b"missing").decode("latin1"),
        )
        return WebsocketDenier()(scope, receive, send)
