"""What every live socket does the same way: sign-in, access, join first, catch up, presence,
JSON frames with clear errors. Rooms and boards add their own frames and catch-up."""

import json
import logging
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.template.loader import render_to_string

from accounts.models import User
from nexus_live import presence
from nexus_live.broadcast import broadcast_now
from nexus_live.sessions import access_group, session_group
from nexus_live.text import as_int

log = logging.getLogger(__name__)
# Per process: who the sockets here last heard is online in each space, so that a heartbeat
# notices a stale list (a process that died without saying goodbye). One set per space, not
# one per socket: every socket of a space hears the same joins and leaves.
_heard_online: dict[str, set[int]] = {}


def _render_online(template: str, user_pks: set[int]) -> str:
    people = User.objects.filter(pk__in=user_pks).order_by("display_name", "email")
    return render_to_string(template, {"online": people})


def _render_person(template: str, user: User) -> str:
    return render_to_string(template, {"person": user})


class LiveConsumer(AsyncWebsocketConsumer):
    """Subclasses set `kind`, `presence_template` (the Online list) and `person_template` (one
    person in it) and define `load_space`, `group_for` and `catch_up_frames`; each inbound
    action `x` is a coroutine `do_x(frame)`."""

    kind = ""
    presence_template = ""
    person_template = ""
    max_frame = 16 * 1024
    space_obj = None
    session_group: str | None = None

    # --- To be defined by each kind of space ---------------------------------------------
    def load_space(self, user: User, **kwargs: object):  # runs in a thread
        """The space if `user` may see it (else None); may also note what they may do there."""
        raise NotImplementedError

    def group_for(self, space) -> str:
        raise NotImplementedError

    def catch_up_frames(self, since: int) -> list[str]:  # runs in a thread
        """The current form of everything that changed after event `since`, then "synced"."""
        raise NotImplementedError

    def latest_event(self) -> int:  # runs in a thread
        """The space's newest event: heartbeats carry it, so a dropped frame is noticed."""
        raise NotImplementedError

    async def after_connect(self) -> None:
        """Extra set-up once the socket is accepted and caught up."""

    async def dispatch(self, message: dict) -> None:
        """Channels' own dispatch first closes stale database connections, in the one database
        thread, before every frame and event: a busy socket then waits behind every write of
        the process. Our database calls go through `database_sync_to_async`, which does that
        itself, so events are forwarded at once."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Connection --------------------------------------------------------------------
    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        kwargs = self.scope["url_route"]["kwargs"]
        self.space_obj = await database_sync_to_async(self.load_space)(user, **kwargs)
        if self.space_obj is None:
            await self.close(code=4403)
            return
        self.group = self.group_for(self.space_obj)
        self.space = f"{self.kind}:{self.space_obj.pk}"
        # Join first, then read the database: a change committed in between arrives twice
        # (the client keeps the newer) but never zero times.
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.session_group = session_group(self.scope["session"].session_key)
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.channel_layer.group_add(access_group(user.pk), self.channel_name)
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            since = as_int((query.get("since") or ["0"])[0])
        except ValidationError:
            since = 0
        await self.catch_up(since)
        await self.after_connect()
        await self.arrive()

    async def disconnect(self, code: int) -> None:
        if self.space_obj is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.session_group:
            await self.channel_layer.group_discard(self.session_group, self.channel_name)
        await self.channel_layer.group_discard(access_group(self.user.pk), self.channel_name)
        await presence.leave(self.space, self.user.pk, self.channel_name)
        if self.user.pk not in await presence.online(self.space):  # their last tab here
            frame = json.dumps({"type": "presence", "left": self.user.pk})
            event = {"type": "live.presence_left", "user": self.user.pk, "frame": frame}
            await broadcast_now(self.group, event)

    async def catch_up(self, since: int) -> None:
        for frame in await database_sync_to_async(self.catch_up_frames)(since):
            await self.send(text_data=frame)

    # --- Presence: the whole list to a socket that joins, then who arrives and who leaves ---
    async def arrive(self) -> None:
        """The new socket gets the whole list; the others only hear of a person's first tab
        (a join costs one small frame per socket, not the whole list to everyone)."""
        already_here = self.user.pk in await presence.online(self.space)
        await presence.touch(self.space, self.user.pk, self.channel_name)
        people = await presence.online(self.space)
        # Only the first socket here sets what the process heard: overwriting it with the
        # truth would hide a change (a ghost expired) from the other sockets' next heartbeat.
        _heard_online.setdefault(self.space, set(people))
        await self.send(text_data=await self.presence_frame(people))
        if not already_here:
            html = await database_sync_to_async(_render_person)(self.person_template, self.user)
            frame = json.dumps({"type": "presence", "joined": self.user.pk, "person": html})
            event = {"type": "live.presence_joined", "user": self.user.pk, "frame": frame}
            await broadcast_now(self.group, event)

    async def presence_frame(self, people: set[int]) -> str:
        html = await database_sync_to_async(_render_online)(self.presence_template, people)
        return json.dumps({"type": "presence", "html": html})

    async def do_ping(self, frame: dict) -> None:
        """The heartbeat: renews this socket's presence; a stale Online list is sent again,
        whole, to everyone in the space."""
        await presence.touch(self.space, self.user.pk, self.channel_name)
        people = await presence.online(self.space)
        if people != _heard_online.get(self.space):
            _heard_online[self.space] = people
            event = {
                "type": "live.presence", "people": sorted(people),
                "frame": await self.presence_frame(people),
            }  # fmt: skip
            await broadcast_now(self.group, event)
        last = await database_sync_to_async(self.latest_event)()
        await self.send(text_data=json.dumps({"type": "pong", "last_event": last}))

    async def do_sync(self, frame: dict) -> None:
        await self.catch_up(as_int(frame.get("since")))

    # --- Inbound frames ------------------------------------------------------------------
    async def error(self, code: str, message: str, **extra: object) -> None:
        payload = {"type": "error", "code": code, "message": message, **extra}
        await self.send(text_data=json.dumps(payload))

    def frame_context(self, frame: dict) -> dict[str, object]:
        """What an error about this frame should carry back (e.g. its client id)."""
        return {}

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.error("bad_frame", "Frames are JSON text.")
            return
        if len(text_data) > self.max_frame:
            await self.error("too_large", f"A frame is at most {self.max_frame // 1024} KiB.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.error("bad_frame", "Frames are JSON objects.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("action"), str):
            await self.error("bad_frame", 'A frame is a JSON object with an "action".')
            return
        handler = getattr(self, f"do_{frame['action']}", None)
        if handler is None:
            await self.error("unknown_action", f"Unknown action {frame['action'][:40]!r}.")
            return
        context = self.frame_context(frame)
        try:
            await handler(frame)
        except ValidationError as exc:
            retry_after = getattr(exc, "retry_after", None)  # a rate limit says when to retry
            if retry_after is not None:
                await self.error(
                    "rate_limited", exc.messages[0], retry_after=retry_after, **context
                )
            else:
                await self.error("invalid", exc.messages[0], **context)
        except PermissionDenied as exc:
            await self.error("forbidden", str(exc) or "Not allowed.", **context)
        except ObjectDoesNotExist:
            await self.error("not_found", "No such thing here.", **context)
        except Exception:
            # A bug of ours must not take the socket (or anyone else's) down with it.
            log.exception("frame %r failed", frame.get("action"))
            await self.error("server_error", "Something went wrong on our side.", **context)

    # --- Events from the channel layer: rendered once by the action, forwarded as they are --
    async def live_presence(self, event: dict) -> None:
        _heard_online[self.space] = set(event["people"])
        await self.send(text_data=event["frame"])

    async def live_presence_joined(self, event: dict) -> None:
        _heard_online.setdefault(self.space, set()).add(event["user"])
        await self.send(text_data=event["frame"])

    async def live_presence_left(self, event: dict) -> None:
        _heard_online.setdefault(self.space, set()).discard(event["user"])
        await self.send(text_data=event["frame"])

    async def session_signed_out(self, event: dict) -> None:
        await self.close(code=4401)

    async def access_changed(self, event: dict) -> None:
        """The person's role in some team changed: look again, and leave if no longer allowed."""
        kwargs = self.scope["url_route"]["kwargs"]
        if await database_sync_to_async(self.load_space)(self.user, **kwargs) is None:
            await self.close(code=4403)
