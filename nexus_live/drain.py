"""A web process that is told to stop (SIGTERM) drains instead of dropping everyone at once.

Daphne's own SIGTERM stops Twisted's reactor at once: listening stops, every application is
cancelled (so `disconnect()` never runs and the Online list keeps ghosts until their expiry)
and every socket is cut without a close frame (the browser sees 1006). Here, instead:

1. the process stops listening, so the proxy sends new connections to the other processes
   (and /readyz answers 503 "draining" for a health check that still reaches it);
2. every live socket is closed with 1012 ("service restart"): live.js reconnects with jitter,
   through the proxy, to a process that is up, and catches up by `since`;
3. once every socket has run its `disconnect()`, or after DRAIN_SECONDS at most, the
   reactor stops as daphne would have, cancelling whatever is left.

A second SIGTERM (or SIGINT, as before) stops at once. Installed by asgi.py when daphne
serves the app; other servers (and tests with WebsocketCommunicator) are not touched.

Autobahn, under daphne, refuses to send any close code but 1000 and 3000-4999 (daphne issue
374), so a consumer's `close(code=1012)` raised instead of closing. 1012 ("service restart",
IANA's registry) is what browsers and live.js understand; `allow_restart_close_codes` lets
daphne send it and its neighbours 1001 and 1011-1013.
"""

import asyncio
import logging
import signal
import sys
import time
import weakref
from typing import Protocol

from django.conf import settings

log = logging.getLogger(__name__)


class Closable(Protocol):
    async def close(self, code: int | None = None, reason: str | None = None) -> None: ...


# The sockets of this process: a consumer is added when it starts and leaves in its
# `disconnect()` (a weak set, so a consumer that died without it is not kept alive).
sockets: "weakref.WeakSet[Closable]" = weakref.WeakSet()
draining = False
_all_gone: asyncio.Event | None = None  # set by the drain, on its loop


def opened(consumer: Closable) -> None:
    sockets.add(consumer)


def closed(consumer: Closable) -> None:
    sockets.discard(consumer)
    if _all_gone is not None and not sockets:
        _all_gone.set()


def _stop_listening(reactor) -> int:
    """Stop every listening port of the reactor (daphne's endpoints); how many stopped."""
    from twisted.internet.interfaces import IListeningPort

    stopped = 0
    for reader in list(reactor.getReaders()):
        if IListeningPort.providedBy(reader):
            reader.stopListening()
            stopped += 1
    return stopped


async def drain(reactor, seconds: float) -> None:
    global draining, _all_gone
    draining, _all_gone = True, asyncio.Event()
    started = time.monotonic()
    ports = _stop_listening(reactor)
    open_now = list(sockets)
    log.warning(
        "SIGTERM: stopped listening on %d port(s); closing %d socket(s) with 1012",
        ports, len(open_now),
    )  # fmt: skip
    for consumer in open_now:
        try:
            await consumer.close(code=1012)
        except Exception:
            log.debug("closing a socket failed", exc_info=True)
    if sockets:
        try:
            await asyncio.wait_for(_all_gone.wait(), max(0.0, started + seconds - time.monotonic()))
        except TimeoutError:
            pass
    log.warning(
        "drained in %.2f s, %d socket(s) left to cancel",
        time.monotonic() - started, len(sockets),
    )  # fmt: skip
    reactor.stop()


# Registered close codes a server may send (RFC 6455 7.4.1 and IANA) that autobahn refuses.
SERVER_CLOSE_CODES = {1001, 1011, 1012, 1013}


def allow_restart_close_codes() -> None:
    from daphne.ws_protocol import WebSocketProtocol

    if getattr(WebSocketProtocol.serverClose, "allows_restart_codes", False):
        return
    original = WebSocketProtocol.serverClose

    def server_close(self, code: int | None = None) -> None:
        if code in SERVER_CLOSE_CODES:
            # What autobahn's sendClose does after its check: the frame and the handshake.
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code=code)

    server_close.allows_restart_codes = True
    WebSocketProtocol.serverClose = server_close


def install() -> None:
    """Let daphne send 1012, and replace Twisted's SIGTERM handler with the drain once the
    reactor runs."""
    if "daphne.server" not in sys.modules:
        return  # not served by daphne: nothing to drain here
    from twisted.internet import reactor

    allow_restart_close_codes()

    def on_sigterm(number: int, frame: object) -> None:
        if draining:
            reactor.callFromThread(reactor.stop)  # told twice: stop now
            return

        def start() -> None:
            # Runs on the reactor's asyncio loop, which the ASGI app shares.
            asyncio.get_running_loop().create_task(drain(reactor, settings.DRAIN_SECONDS))

        reactor.callFromThread(start)

    reactor.callWhenRunning(signal.signal, signal.SIGTERM, on_sigterm)
