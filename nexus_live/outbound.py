"""Requests to addresses people give us (webhook URLs, links in messages): http(s) only,
bounded in time and size, and never to loopback, private, link-local or metadata addresses.
ssrfguard resolves the name once, checks every address and connects to the one it checked,
redirects included, so a DNS record that changes between the check and the connection
changes nothing."""

import threading
import time
from functools import cache

import httpx
from django.conf import settings
from ssrfguard import Policy, SSRFGuardError
from ssrfguard.httpx import Client

__all__ = ["Refused", "client", "policy", "refusal", "thread_client"]

MAX_RESPONSE_BYTES = 64 * 1024  # what a delivery log keeps is far less; never more is read
# Web ports, and the unprivileged ones a receiver may listen on (8080, 8443…): not 22 or 25.
MAX_REDIRECTS = 5
PORTS = frozenset({80, 443, *range(1024, 65536)})

Refused = SSRFGuardError


@cache
def _policy(allowed: tuple[str, ...]) -> Policy:
    return Policy(allowed_networks=allowed, allowed_ports=PORTS)


def policy() -> Policy:
    return _policy(tuple(settings.OUTBOUND_ALLOWED_NETWORKS))


def refusal(url: str) -> str | None:
    """Why `url` may not be called, from the URL alone (a form says it at once); None if it
    may. The address it resolves to is checked again when connecting."""
    try:
        policy().check_url(url)
    except SSRFGuardError as exc:
        return str(exc)
    return None


def client(*, follow_redirects: bool = False, agent: str = "Webhooks") -> httpx.Client:
    """An HTTP client for one task: no redirects followed unless asked (a webhook answering
    3xx failed; a link preview follows up to MAX_REDIRECTS, each hop checked like the first),
    no proxy from the environment, cookies never kept."""
    timeout = settings.OUTBOUND_TIMEOUT_SECONDS
    return Client(
        policy=policy(),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
        headers={"User-Agent": f"NexusLive-{agent}/1"},
    )


_threads = threading.local()


def thread_client() -> httpx.Client:
    """This thread's client, kept between calls: a worker thread delivers to the same receivers
    again and again, over connections it keeps open (each checked when it was opened). A new
    one when the settings changed."""
    key = (tuple(settings.OUTBOUND_ALLOWED_NETWORKS), settings.OUTBOUND_TIMEOUT_SECONDS)
    held = getattr(_threads, "client", None)
    if held is None or held[0] != key:
        if held is not None:
            held[1].close()
        _threads.client = held = (key, client())
    return held[1]


def read_limited(
    response: httpx.Response, limit: int = MAX_RESPONSE_BYTES, *, seconds: float | None = None
) -> bytes:
    """At most `limit` bytes of a streamed response's body: a receiver cannot make us read
    gigabytes. `seconds`: and for no longer than that in all (the timeouts bound each read,
    not a server that trickles a byte at a time), else httpx.ReadTimeout."""
    deadline = None if seconds is None else time.monotonic() + seconds
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= limit:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise httpx.ReadTimeout(f"still reading after {seconds:g} s")
    return bytes(body[:limit])
