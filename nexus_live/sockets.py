"""What every live socket does the same way: sign-in, its person's groups, JSON frames with
clear errors, forwarding what events.py publishes, following access changes. SpaceConsumer
adds what rooms and boards share: join first then catch up, the Online list, heartbeats.

A socket never dies of what a client sent: every bad frame gets an `error` frame back.
"""

import asyncio
import functools
import json
import logging
import time
import uuid
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http.cookie import parse_cookie

from accounts.models import User
from nexus_live import drain, events, logs, metrics, online
from nexus_live.ratelimit import RateLimited
from nexus_live.text import as_int
from nexus_live.writes import read

log = logging.getLogger(__name__)

HEARTBEAT = 15  # seconds between a socket's presence renewals (presence.TTL is 60)
SYNC_BURST, SYNC_INTERVAL = 3, 5.0  # `sync` frames per socket: a burst, then one per interval


def signed_in_user(session_key: str | None) -> User | None:
    """Who the session belongs to now: None once it signed out, its password changed (other
    sessions are signed out by that) or the person was deactivated."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None


def session_key_of(scope: dict) -> str | None:
    """The session cookie of the handshake's (first) Cookie header, as Channels reads it; one
    holding a NUL (a quoted `\\000` unquotes to one) is nobody's, as RejectNulMiddleware
    answers it over HTTP (PostgreSQL would refuse the look-up)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            key = parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
            return None if key is None or "\x00" in key else key
    return None


def _has_lone_surrogate(value: object) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def dispatch_from(sources: list, dispatch) -> None:
    """Channels' await_many_dispatch (each source's next message to `dispatch`, one at a time,
    in the order they complete), keeping less alive while a socket idles: no `asyncio.wait`
    frames and task set per wait, and no reference to the last message once it is handled."""
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(source()) for source in sources]
    woken: asyncio.Future | None = None

    def wake(task: asyncio.Task) -> None:
        if woken is not None and not woken.done():
            woken.set_result(None)

    try:
        while True:
            if not any(task.done() for task in tasks):
                woken = loop.create_future()
                for task in tasks:
                    task.add_done_callback(wake)
                try:
                    await woken
                finally:
                    for task in tasks:
                        task.remove_done_callback(wake)
                    woken = None
            for i in range(len(tasks)):
                if tasks[i].done():
                    message = tasks[i].result()
                    await dispatch(message)
                    del message
                    tasks[i] = loop.create_task(sources[i]())
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass


class LiveConsumer(AsyncWebsocketConsumer):
    """Subclasses define `authorise` (may the person be here, and what may they do),
    `own_groups` and `opened`; each inbound action `x` is a coroutine `do_x(frame)`."""

    max_frame = 16 * 1024
    sync_burst, sync_interval = SYNC_BURST, SYNC_INTERVAL
    user: User | None = None
    closed = False
    layer_down = False  # no channel on the layer: writes and catch-up work, live frames wait

    # --- To be defined by each kind of socket ----------------------------------------------
    async def authorise(self) -> bool:
        """Load what the socket is about for `self.user`; False: no access (closes 4403)."""
        return True

    def own_groups(self) -> list[str]:
        return []

    async def opened(self) -> None:
        """Once accepted, signed in and joined: catch up, say hello."""

    # --- Connection ------------------------------------------------------------------------
    async def __call__(self, scope, receive, send) -> None:
        """Channels' own, except that a channel layer it cannot reach (Redis down) leaves the
        socket working without live frames, instead of failing the handshake with HTTP 500."""
        self.scope, self.base_send = scope, send
        # This socket's task: every line it logs says which socket (and, once known, who).
        logs.context.set({"socket_id": uuid.uuid4().hex[:16], "path": scope.get("path", "")})
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        try:
            self.channel_name = await self.channel_layer.new_channel()
        except Exception:
            log.warning("channel layer unreachable: a socket without live frames", exc_info=True)
            self.layer_down = True
            self.channel_name = f"offline.{uuid.uuid4().hex}"  # presence still needs a name
        else:
            sources.append(functools.partial(self.channel_layer.receive, self.channel_name))
        drain.opened(self)  # a SIGTERM closes it with 1012
        open_sockets = metrics.SOCKETS_OPEN.labels(getattr(self, "kind", "") or "person")
        open_sockets.inc()
        try:
            await dispatch_from(sources, self.dispatch)
        except StopConsumer:
            pass
        finally:
            open_sockets.dec()
            drain.closed(self)

    async def dispatch(self, message: dict) -> None:
        """Channels' own dispatch first closes stale database connections, in the one database
        thread, before every frame and event: a busy socket then waits behind every write of
        the process. Our database calls go through writes.py, which does that itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.groups_joined: list[str] = []
        self.sync_tat = 0.0
        # Accept, then close with our code: a refusal before accept() is an HTTP 403 that the
        # browser sees as 1006, and retries forever.
        await self.accept()
        self.session_key = session_key_of(self.scope)
        user = await read(signed_in_user, self.session_key)
        if user is None:
            await self.close(code=4401)
            return
        self.user = user
        logs.bind(user=user.pk)
        if not await self.authorise():
            await self.close(code=4403)
            return
        # Join first, then read the database: a change committed in between arrives twice
        # (the client keeps the newer) but never zero times.
        groups = [*self.own_groups(), events.access_group(user.pk)]
        if session := events.session_group(self.session_key):
            groups.append(session)
        await self.join(groups)
        await self.opened()

    async def join(self, groups: list[str]) -> None:
        if self.layer_down:
            self.missing_groups = getattr(self, "missing_groups", []) + groups
            return
        try:
            await events.join(self.channel_name, groups)
        except Exception:
            # The channel layer is down: the socket still works (writes, catch-up); live
            # frames resume once a heartbeat joins again.
            log.warning("joining %s failed; will retry", groups, exc_info=True)
        else:
            self.groups_joined.extend(groups)
            return
        self.missing_groups = getattr(self, "missing_groups", []) + groups

    async def rejoin(self) -> bool:
        """Join the groups a channel-layer outage kept the socket out of; True if it did. A
        socket that opened with no channel at all is closed with 1012 once the layer answers
        again: the client comes back (with jitter) on a channel, and catches up."""
        missing = getattr(self, "missing_groups", [])
        if not missing:
            return False
        if self.layer_down:
            try:
                await events.publish("probe", {"type": "live.probe"})
            except Exception:
                return False
            await self.close(code=1012)
            return False
        self.missing_groups = []
        await self.join(missing)
        return not self.missing_groups

    async def leave(self, groups: list[str]) -> None:
        try:
            await events.leave(self.channel_name, groups)
        except Exception:
            log.warning("leaving %s failed", groups, exc_info=True)
        self.groups_joined = [group for group in self.groups_joined if group not in groups]

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if self.groups_joined:
            await self.leave(list(self.groups_joined))

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        """A client that went away mid-send ("Attempt to send on a closed protocol") is not an
        error of ours: it must not skip disconnect() (and leave a ghost in the Online list)."""
        if self.closed:
            return
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except Exception:
            log.debug("send on a closed socket", exc_info=True)
            self.closed = True
        else:
            if text_data is not None:
                metrics.FRAMES_OUT.labels(metrics.frame_type(text_data)).inc()

    async def close(self, code=None, reason=None) -> None:
        await super().close(code=code, reason=reason)
        self.closed = True

    # --- Inbound frames --------------------------------------------------------------------
    async def error(self, code: str, message: str, **extra: object) -> None:
        await self.send(text_data=events.frame("error", code=code, message=message, **extra))

    def frame_context(self, frame: dict) -> dict[str, object]:
        """What an error about this frame should carry back (e.g. its client id)."""
        return {}

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        metrics.FRAMES_IN.labels(await self.act_on(text_data)).inc()

    async def act_on(self, text_data: str | None) -> str:
        """Handle one frame; its action, for counting ("invalid" or "unknown" if none of ours:
        a client must not choose metric labels)."""
        if text_data is None:
            await self.error("bad_frame", "Frames are JSON text.")
            return "invalid"
        if len(text_data) > self.max_frame:
            await self.error("too_large", f"A frame is at most {self.max_frame // 1024} KiB.")
            return "invalid"
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.error("bad_frame", "Frames are JSON objects (nested at most a few levels).")
            return "invalid"
        if not isinstance(frame, dict) or not isinstance(frame.get("action"), str):
            await self.error("bad_frame", 'A frame is a JSON object with an "action".')
            return "invalid"
        if _has_lone_surrogate(frame):
            await self.error("invalid", "A frame's text must be valid Unicode.")
            return "invalid"
        handler = getattr(self, f"do_{frame['action']}", None)
        if handler is None:
            await self.error("unknown_action", f"Unknown action {frame['action'][:40]!r}.")
            return "unknown"
        context = {"action": frame["action"][:40], **self.frame_context(frame)}
        try:
            await handler(frame)
        except RateLimited as exc:
            await self.error(
                "rate_limited", exc.messages[0], retry_after=exc.retry_after, **context
            )
        except ValidationError as exc:
            await self.error("invalid", exc.messages[0], **context)
        except PermissionDenied as exc:
            await self.error("forbidden", str(exc) or "Not allowed.", **context)
        except ObjectDoesNotExist:
            await self.error("not_found", "No such thing here.", **context)
        except Exception:
            # A bug of ours must not take the socket (or anyone else's) down with it.
            log.exception("frame %r failed", frame.get("action"))
            await self.error("server_error", "Something went wrong on our side.", **context)
        return frame["action"]

    async def do_ping(self, frame: dict) -> None:
        await self.rejoin()
        await self.send(text_data=events.frame("pong"))

    def take_sync(self) -> None:
        """`sync` costs a database read: a burst of `sync_burst` per socket, then one per
        `sync_interval` seconds (GCRA, per socket: no shared store needed)."""
        now = time.monotonic()
        tat = max(self.sync_tat, now) + self.sync_interval
        wait = tat - now - self.sync_burst * self.sync_interval
        if wait > 0:
            raise RateLimited(wait)
        self.sync_tat = tat

    # --- Events from the channel layer: rendered once by the action, forwarded as they are --
    async def live_frame(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def live_frames(self, event: dict) -> None:
        """Several frames of one group at once (a batch of posts), in order."""
        for text in event["frames"]:
            await self.send(text_data=text)

    async def session_signed_out(self, event: dict) -> None:
        await self.close(code=4401)

    async def access_changed(self, event: dict) -> None:
        """Something about the person changed (role, team, password, deactivation): look again
        at who they are and what they may do; leave if they no longer may."""
        user = await read(signed_in_user, self.session_key)
        if user is None:
            await self.close(code=4401)
            return
        self.user = user
        if not await self.authorise():
            await self.close(code=4403)
            return
        await self.reauthorised()

    async def reauthorised(self) -> None:
        """After an access change that the socket survived."""


class SpaceConsumer(LiveConsumer):
    """A room or a board. Subclasses set `kind`, `presence_template` (the Online list) and
    `person_template` (one person in it) and define `load_space`, `group_for`, `events_since`
    and `latest_event`, which run in a database thread."""

    kind = ""
    presence_template = ""
    person_template = ""
    space_obj = None

    def load_space(self, user: User, **kwargs: object):
        """The space if `user` may see it (else None); may also note what they may do there."""
        raise NotImplementedError

    def group_for(self, space) -> str:
        raise NotImplementedError

    def events_since(self, since: int) -> list[str]:
        """The frames of what changed after event `since`, then `synced` (or `reset`)."""
        raise NotImplementedError

    def latest_event(self) -> int:
        """The space's newest event: heartbeats carry it, so a dropped frame is noticed."""
        raise NotImplementedError

    async def authorise(self) -> bool:
        kwargs = self.scope["url_route"]["kwargs"]
        space = await read(self.load_space, self.user, **kwargs)
        if space is None:
            return False
        self.space_obj = space
        self.group = self.group_for(space)
        self.space = f"{self.kind}:{space.pk}"
        logs.bind(space=self.space)
        return True

    def own_groups(self) -> list[str]:
        return [self.group]

    async def opened(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        try:
            since = as_int((query.get("since") or ["0"])[0])
        except ValidationError:
            since = 0
        await self.catch_up(since)
        templates = (self.presence_template, self.person_template)
        self.last_heartbeat = time.monotonic()
        whole = await online.arrive(self.space, self.group, self.user, self.channel_name, templates)
        await self.send(text_data=whole)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self.space_obj is not None:
            try:
                await online.depart(self.space, self.group, self.user, self.channel_name)
            except Exception:
                log.warning("leaving the Online list of %s failed", self.space, exc_info=True)

    async def catch_up(self, since: int) -> None:
        texts = await read(self.events_since, since)
        metrics.CATCH_UP_FRAMES.observe(len(texts))
        for text in texts:
            await self.send(text_data=text)

    async def do_sync(self, frame: dict) -> None:
        since = as_int(frame.get("since"))
        self.take_sync()
        await self.catch_up(since)

    async def do_ping(self, frame: dict) -> None:
        """Every ping answers at once (the client's liveness check); every HEARTBEAT seconds
        it also renews presence and carries the space's newest event (a lost frame shows)."""
        rejoined = await self.rejoin()
        if not rejoined and time.monotonic() - self.last_heartbeat < HEARTBEAT:
            await self.send(text_data=events.frame("pong"))
            return
        self.last_heartbeat = time.monotonic()
        await online.heartbeat(
            self.space, self.group, self.user, self.channel_name, self.presence_template
        )
        last = await read(self.latest_event)
        await self.send(text_data=events.frame("pong", event=last))

    async def live_space_changed(self, event: dict) -> None:
        """The space itself changed (archived, say): look again at what this person may do."""
        if not await self.authorise():
            await self.close(code=4403)
            return
        await self.send(text_data=event["frame"])

    async def live_presence(self, event: dict) -> None:
        online.heard_event(self.space, event)
        await self.send(text_data=event["frame"])

    live_presence_joined = live_presence_left = live_presence
