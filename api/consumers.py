"""/ws/v1/events/: the pages' live events as JSON for API clients, signed in by an access token
sent in the first frame (never in the URL: URLs end up in logs), or by a one-time ticket in the
URL (`?ticket=`: used once within 30 s, so a log that keeps it keeps nothing usable).

The same groups as the page sockets, the same frames without their `html`, the same `event`
counters and the same bounded catch-up; each frame also names the subscription it belongs to
(`room`, `board` or `me`). Everything else (bad frames, rate limits, errors) is LiveConsumer's.
"""

import asyncio
import functools
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from accounts import policies
from api import tokens
from boards import events as board_events
from boards.models import Board
from chat import events as room_events
from chat import queries
from chat.models import Room
from nexus_live import events, logs
from nexus_live.models import Space
from nexus_live.sockets import LiveConsumer
from nexus_live.text import as_int
from nexus_live.writes import read

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0  # seconds for the first frame, {"action": "auth", ...}, to arrive
MAX_SUBSCRIPTIONS = 50
SUBSCRIBE_BURST = 20


@functools.lru_cache(maxsize=1024)
def api_frame(text: str, key: str, value: object) -> str:
    """A page frame as API clients get it: without `html`, naming its subscription. Built once
    per frame text and subscription, however many sockets send it."""
    frame = json.loads(text)
    frame.pop("html", None)
    frame.setdefault(key, value)
    return json.dumps(frame, separators=(",", ":"))


@dataclass
class Subscription:
    key: str  # "room", "board", "me" or "queue": what the client sent, what each frame carries
    value: object  # the room's slug, the board's id, or True
    space: Space | None = None
    groups: list[str] = field(default_factory=list)


class EventsConsumer(LiveConsumer):
    max_frame = 4 * 1024
    # A client that reconnects subscribes to all it follows at once: a larger burst than the
    # pages' sync, then one subscribe a second (each reads the database).
    sync_burst, sync_interval = SUBSCRIBE_BURST, 1.0
    family = None
    auth_task: asyncio.Task | None = None

    async def connect(self) -> None:
        self.groups_joined: list[str] = []
        self.sync_tat = 0.0
        self.subscriptions: dict[tuple[str, object], Subscription] = {}
        await self.accept()
        ticket = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("ticket")
        if ticket:  # a one-time ticket from POST /api/v1/auth/ticket/ instead of the auth frame
            await self._sign_in(tokens.redeem_ticket, ticket[0], action="connect")
            return
        self.auth_task = asyncio.ensure_future(self._expect_auth())

    async def _expect_auth(self) -> None:
        await asyncio.sleep(AUTH_TIMEOUT)
        if self.user is None and not self.closed:
            await self.error("not_authenticated", "Send the auth frame first.")
            await self.close(code=4401)

    async def disconnect(self, code: int) -> None:
        if self.auth_task is not None:
            self.auth_task.cancel()
        await super().disconnect(code)

    async def dispatch(self, message: dict) -> None:
        """Frames that only pages use have no handler here (an Online list's renewal, say):
        dropped, never an error that would end the socket."""
        if getattr(self, get_handler_name(message), None) is None:
            log.debug("no handler for %s", message["type"])
            return
        await super().dispatch(message)

    # --- Signing in ------------------------------------------------------------------------
    async def do_auth(self, frame: dict) -> None:
        if self.user is not None:
            raise ValidationError("Already signed in on this socket.")
        await self._sign_in(tokens.user_for_access, frame.get("token"), action="auth")

    async def _sign_in(self, check, credential: object, *, action: str) -> None:
        try:
            self.user, self.family = await read(check, credential)
        except tokens.TokenError as exc:
            await self.error(exc.code, exc.detail, action=action)
            await self.close(code=4401)
            return
        if self.auth_task is not None:
            self.auth_task.cancel()
        logs.bind(user=self.user.pk)
        await self.join([events.access_group(self.user.pk)])
        # Joined, then look again: a sign-out committed in between is not missed for good.
        if not await self.still_signed_in():
            return
        await self.send(text_data=events.frame("ready", user=self.user.pk))

    async def still_signed_in(self) -> bool:
        """Is the sign-in the token came from alive (not signed out, the account enabled)?
        If not, say so and close."""
        user = await read(tokens.signed_in, self.user.pk, self.family)
        if user is None:
            await self.error("token_revoked", "This sign-in has ended: sign in again.")
            await self.close(code=4401)
            return False
        self.user = user
        return True

    async def signed_in(self) -> bool:
        """Every action but `auth` and `ping` needs the auth frame first."""
        if self.user is not None:
            return True
        await self.error("not_authenticated", "Send the auth frame first.")
        await self.close(code=4401)
        return False

    # --- Subscriptions ---------------------------------------------------------------------
    def _target(self, frame: dict) -> Subscription:
        """What a subscribe or unsubscribe frame names, if the person may see it (else
        DoesNotExist: a space they may not see is answered as one that does not exist)."""
        if "room" in frame:
            slug = frame["room"]
            if not isinstance(slug, str) or len(slug) > 100:
                raise ValidationError("A room is named by its slug.")
            space = Room.objects.select_related("team").filter(slug=slug).first()
            sub = Subscription("room", slug, space)
        elif "board" in frame:
            board_id = as_int(frame["board"])
            space = Board.objects.select_related("team").filter(pk=board_id).first()
            sub = Subscription("board", board_id, space)
        elif frame.get("me") is True:
            return Subscription("me", True, None)
        elif frame.get("queue") is True:  # the mentor help queue (decision 023)
            if not policies.can_see_queue(self.user):
                raise PermissionDenied("The help queue is for mentors.")
            return Subscription("queue", True, None)
        else:
            raise ValidationError(
                'Name a "room" (slug), a "board" (id), "me": true or "queue": true.'
            )
        if sub.space is None or not policies.can_view_space(self.user, sub.space):
            raise ObjectDoesNotExist
        return sub

    def _groups(self, sub: Subscription) -> list[str]:
        if sub.key == "room":
            return [room_events.room_group(sub.space)]
        if sub.key == "board":
            return [board_events.board_group(sub.space)]
        if sub.key == "queue":
            return room_events.queue_groups(self.user)
        rooms = queries.followed_rooms(self.user)
        return [room_events.user_group(self.user), *map(room_events.activity_group, rooms)]

    def _catch_up(self, sub: Subscription, since: int | None) -> list[str]:
        if sub.key == "me":
            return [events.frame("state", **queries.nav_state(self.user))]
        if sub.key == "queue":
            return [room_events.queue_frame(self.user)]
        module = room_events if sub.key == "room" else board_events
        if since is None:  # no history: from where the space was before joining its group
            since = sub.space.last_event
        return module.events_since(sub.space, since)

    def _prepare(self, frame: dict) -> tuple[Subscription, list[str]]:
        sub = self._target(frame)
        return sub, self._groups(sub)

    async def do_subscribe(self, frame: dict) -> None:
        if not await self.signed_in():
            return
        self.take_sync()  # a subscribe reads the database: limited like the pages' sync
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            raise ValidationError(f"At most {MAX_SUBSCRIPTIONS} subscriptions per socket.")
        since = frame.get("since")
        since = None if since is None else as_int(since)
        sub, groups = await read(self._prepare, frame)
        sub.groups = groups
        # Again (a client catching up once more): stay in the groups, nothing is missed.
        old = self.subscriptions.pop((sub.key, sub.value), None)
        # Join first, then read: a change committed in between arrives twice (keep the
        # newer event) but never zero times.
        self.subscriptions[(sub.key, sub.value)] = sub
        await self.join([group for group in groups if old is None or group not in old.groups])
        if old is not None:
            await self.leave([group for group in old.groups if group not in groups])
        await self.send(text_data=events.frame("subscribed", **{sub.key: sub.value}))
        for text in await read(self._catch_up, sub, since):
            await self.send(text_data=api_frame(text, sub.key, sub.value))

    async def do_unsubscribe(self, frame: dict) -> None:
        if not await self.signed_in():
            return
        key = next((key for key in ("room", "board", "me", "queue") if key in frame), None)
        value = frame.get(key)
        if key == "board":
            value = as_int(value)
        sub = self.subscriptions.pop((key, value), None)
        if sub is None:
            raise ObjectDoesNotExist
        await self._end(sub, reason=None)

    async def _end(self, sub: Subscription, *, reason: str | None) -> None:
        still = {group for other in self.subscriptions.values() for group in other.groups}
        await self.leave([group for group in sub.groups if group not in still])
        fields = {sub.key: sub.value} | ({"reason": reason} if reason else {})
        await self.send(text_data=events.frame("unsubscribed", **fields))

    def _subscription_of(self, event: dict) -> Subscription | None:
        group = event.get("group")
        return next((s for s in self.subscriptions.values() if group in s.groups), None)

    # --- Events from the channel layer -----------------------------------------------------
    async def live_frame(self, event: dict) -> None:
        sub = self._subscription_of(event)
        if sub is None:
            return  # a group just left: a frame already on its way
        if sub.key == "me" and event.get("new"):  # a room read for the first time
            group = room_events.activity_group(event["room"])
            sub.groups.append(group)
            await self.join([group])
        await self.send(text_data=api_frame(event["frame"], sub.key, sub.value))

    live_presence = live_presence_joined = live_presence_left = live_frame

    async def live_frames(self, event: dict) -> None:
        """A batch of one group's frames (group commit), each as API clients get it."""
        sub = self._subscription_of(event)
        if sub is None:
            return
        for text in event["frames"]:
            await self.send(text_data=api_frame(text, sub.key, sub.value))

    async def live_space_changed(self, event: dict) -> None:
        """A room changed (archived, made private): may the person still see it?"""
        sub = self._subscription_of(event)
        if sub is None:
            return
        if await self._still_visible(sub):
            await self.send(text_data=api_frame(event["frame"], sub.key, sub.value))

    async def access_changed(self, event: dict) -> None:
        """The person's sign-in ended or what they may see changed: close, or end the
        subscriptions to what they may no longer see (and re-count their own)."""
        if not await self.still_signed_in():
            return
        for sub in list(self.subscriptions.values()):
            if sub.key == "queue" and not policies.can_see_queue(self.user):
                self.subscriptions.pop((sub.key, sub.value), None)
                await self._end(sub, reason="no access")
            elif sub.key in ("me", "queue"):
                await self._refresh_me(sub)
            else:
                await self._still_visible(sub)

    async def queue_stale(self, event: dict) -> None:
        """A room was archived or unarchived: the queue as it is now."""
        sub = self._subscription_of(event)
        if sub is not None and sub.key == "queue":
            for text in await read(self._catch_up, sub, None):
                await self.send(text_data=api_frame(text, sub.key, sub.value))

    async def _still_visible(self, sub: Subscription) -> bool:
        def visible() -> bool:
            space = type(sub.space).objects.select_related("team").filter(pk=sub.space.pk)
            space = space.first()
            return space is not None and policies.can_view_space(self.user, space)

        if await read(visible):
            return True
        self.subscriptions.pop((sub.key, sub.value), None)
        await self._end(sub, reason="no access")
        return False

    async def _refresh_me(self, sub: Subscription) -> None:
        wanted = await read(self._groups, sub)
        await self.leave([group for group in sub.groups if group not in wanted])
        await self.join([group for group in wanted if group not in sub.groups])
        sub.groups = wanted
        for text in await read(self._catch_up, sub, None):
            await self.send(text_data=api_frame(text, sub.key, sub.value))
