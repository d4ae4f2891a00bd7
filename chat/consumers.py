"""The room socket: authenticate, authorise, join first, catch up by seq, hand frames to actions."""

import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string

from accounts import policies
from accounts.models import User
from chat import actions
from chat.models import Message, Room
from nexus_live import presence
from nexus_live.broadcast import broadcast_now
from nexus_live.sessions import session_group

log = logging.getLogger(__name__)

CATCH_UP_MAX = 1000  # further behind than this, the client reloads the page instead
MAX_FRAME = 16 * 1024


def _room_for(user: User, slug: str) -> Room | None:
    room = Room.objects.select_related("team").filter(slug=slug).first()
    if room is None or not policies.can_view_space(user, room):
        return None
    return room


def _frames_after(room: Room, since: int) -> tuple[list[str], int]:
    messages = list(
        Message.objects.filter(room=room, seq__gt=since)
        .select_related("author", "room")
        .prefetch_related("reactions__user")
        .order_by("seq")[: CATCH_UP_MAX + 1]
    )
    last_seq = Room.objects.values_list("last_seq", flat=True).get(pk=room.pk)
    if len(messages) > CATCH_UP_MAX:
        return [json.dumps({"type": "reset", "reason": "too far behind"})], last_seq
    return [actions._frame("message", m) for m in messages], last_seq


def _render_online(user_pks: set[int]) -> str:
    people = User.objects.filter(pk__in=user_pks).order_by("display_name", "email")
    return render_to_string("chat/room.html#online", {"online": people})


def _as_int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if value is None:
        return default
    raise ValueError("not a number")


class RoomConsumer(AsyncWebsocketConsumer):
    room: Room | None = None
    last_online: set[int] | None = None

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.room = await database_sync_to_async(_room_for)(
            user, self.scope["url_route"]["kwargs"]["slug"]
        )
        if self.room is None:
            await self.close(code=4403)
            return
        self.group = actions.room_group(self.room)
        self.may_post = await database_sync_to_async(actions.can_post)(user, self.room)
        # Join first, then read the database: a message committed in between arrives twice
        # (the client drops the duplicate by seq) but never zero times.
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.session_group = session_group(self.scope["session"].session_key)
        if self.session_group:
            await self.channel_layer.group_add(self.session_group, self.channel_name)
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            since = _as_int((query.get("since") or ["0"])[0])
        except ValueError:
            since = 0
        await self._catch_up(since)
        await presence.touch(self.room.pk, user.pk, self.channel_name)
        await self._announce_presence()

    async def disconnect(self, code: int) -> None:
        if self.room is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.session_group:
                await self.channel_layer.group_discard(self.session_group, self.channel_name)
            await presence.leave(self.room.pk, self.user.pk, self.channel_name)
            await self._announce_presence()

    async def _presence_frame(self) -> str:
        people = await presence.online(self.room.pk)
        self.last_online = people
        html = await database_sync_to_async(_render_online)(people)
        return json.dumps({"type": "presence", "html": html})

    async def _announce_presence(self) -> None:
        """Rendered once here, forwarded as is to everyone in the room."""
        frame = await self._presence_frame()
        event = {"type": "chat.presence", "frame": frame, "people": sorted(self.last_online)}
        await broadcast_now(self.group, event)

    async def _catch_up(self, since: int) -> None:
        frames, last_seq = await database_sync_to_async(_frames_after)(self.room, since)
        for frame in frames:
            await self.send(text_data=frame)
        await self.send(text_data=json.dumps({"type": "synced", "last_seq": last_seq}))

    async def _error(self, code: str, message: str, **extra: object) -> None:
        await self.send(
            text_data=json.dumps({"type": "error", "code": code, "message": message, **extra})
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("bad_frame", "Frames are JSON text.")
            return
        if len(text_data) > MAX_FRAME:
            await self._error("too_large", "That frame is too large.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._error("bad_frame", "Frames are JSON objects.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("action"), str):
            await self._error("bad_frame", 'A frame is a JSON object with an "action".')
            return
        handler = getattr(self, f"do_{frame['action']}", None)
        if handler is None:
            await self._error("unknown_action", f"Unknown action {frame['action'][:40]!r}.")
            return
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        try:
            await handler(frame)
        except RateLimitedError as exc:
            await self._error(
                "rate_limited", exc.messages[0], client_id=client_id, retry_after=exc.retry_after
            )
        except PermissionDenied as exc:
            await self._error("forbidden", str(exc) or "Not allowed.", client_id=client_id)
        except ValidationError as exc:
            await self._error("invalid", exc.messages[0], client_id=client_id)
        except (ValueError, TypeError, Message.DoesNotExist):
            await self._error(
                "invalid", "That frame has a wrong or missing field.", client_id=client_id
            )

    async def do_post(self, frame: dict) -> None:
        parent_id = frame.get("parent")
        posted = await database_sync_to_async(self._post)(frame, parent_id)
        await self.send(
            text_data=json.dumps(
                {
                    "type": "ack",
                    "client_id": posted.message.client_id,
                    "seq": posted.message.seq,
                    "id": posted.message.pk,
                    "created": posted.created,
                }
            )
        )

    def _post(self, frame: dict, parent_id: object) -> actions.Posted:
        parent = None
        if parent_id is not None:
            parent = Message.objects.get(pk=_as_int(parent_id), room=self.room)
        room = Room.objects.select_related("team").get(pk=self.room.pk)
        return actions.post_message(
            room=room,
            author=self.user,
            body=frame.get("body"),
            client_id=frame.get("client_id"),
            parent=parent,
        )

    async def do_edit(self, frame: dict) -> None:
        await database_sync_to_async(self._edit)(frame)

    def _message(self, frame: dict) -> Message:
        return Message.objects.select_related("room", "author").get(
            pk=_as_int(frame.get("id")), room=self.room
        )

    def _edit(self, frame: dict) -> None:
        message = self._message(frame)
        actions.edit_message(message=message, user=self.user, body=frame.get("body"))

    async def do_delete(self, frame: dict) -> None:
        await database_sync_to_async(self._delete)(frame)

    def _delete(self, frame: dict) -> None:
        message = self._message(frame)
        actions.delete_message(message=message, user=self.user)

    async def do_react(self, frame: dict) -> None:
        await database_sync_to_async(self._react)(frame)

    def _react(self, frame: dict) -> None:
        actions.toggle_reaction(
            message=self._message(frame), user=self.user, emoji=frame.get("emoji")
        )

    async def do_resolve(self, frame: dict) -> None:
        await database_sync_to_async(self._resolve)(frame)

    def _resolve(self, frame: dict) -> None:
        message = self._message(frame)
        actions.resolve_thread(
            message=message, user=self.user, resolved=frame.get("resolved") is not False
        )

    async def do_sync(self, frame: dict) -> None:
        await self._catch_up(_as_int(frame.get("since")))

    async def do_read(self, frame: dict) -> None:
        seq = _as_int(frame.get("seq"))
        room = self.room
        await database_sync_to_async(
            lambda: actions.mark_read(room=room, user=self.user, seq=seq)
        )()

    async def do_ping(self, frame: dict) -> None:
        """The heartbeat: renews this socket's presence and refreshes a stale Online list."""
        await presence.touch(self.room.pk, self.user.pk, self.channel_name)
        if await presence.online(self.room.pk) != self.last_online:
            await self.send(text_data=await self._presence_frame())
        await self.send(text_data='{"type": "pong"}')

    async def do_typing(self, frame: dict) -> None:
        if not self.may_post:
            return
        event = {"type": "typing", "user": self.user.pk, "name": self.user.name}
        await broadcast_now(self.group, {"type": "chat.typing", "frame": json.dumps(event)})

    # Events from the channel layer: the frame was rendered once by the action; just forward it.
    async def chat_message_posted(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def chat_message_changed(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def chat_room_changed(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def chat_presence(self, event: dict) -> None:
        self.last_online = set(event["people"])
        await self.send(text_data=event["frame"])

    async def chat_typing(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def session_signed_out(self, event: dict) -> None:
        await self.close(code=4401)


RateLimitedError = actions.RateLimited


def _followed_rooms(user: User) -> list[int]:
    return [
        room.pk
        for room in Room.objects.filter(visits__user=user).select_related("team")
        if policies.can_view_space(user, room)
    ]


class UserConsumer(AsyncWebsocketConsumer):
    """One per tab: unread counts of the rooms a person follows, and their @mentions."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        rooms = await database_sync_to_async(_followed_rooms)(user)
        session = session_group(self.scope["session"].session_key)
        for group in [actions.user_group(user), *map(actions.activity_group, rooms), session]:
            if group:
                await self._join(group)
        await self.accept()

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(
            text_data='{"type": "error", "code": "read_only", "message": "Nothing to send here."}'
        )

    async def chat_activity(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def chat_read(self, event: dict) -> None:
        if event.get("new"):  # a room opened for the first time: follow its count from now on
            await self._join(actions.activity_group(event["room"]))
        await self.send(text_data=event["frame"])

    async def chat_mentioned(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    async def session_signed_out(self, event: dict) -> None:
        await self.close(code=4401)
