"""The room socket and the per-person socket. Thin: authorise, forward events, hand inbound
frames to chat/actions.py. Connecting, catch-up, presence and frame parsing: nexus_live/sockets."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts import policies
from accounts.models import User
from chat import actions
from chat.context_processors import nav_state
from chat.models import Message, Room
from nexus_live.broadcast import broadcast_now
from nexus_live.sessions import session_group
from nexus_live.sockets import LiveConsumer, as_int
from nexus_live.writes import write

CATCH_UP_MAX = 1000  # further behind than this, the client reloads the page instead


class RoomConsumer(LiveConsumer):
    kind = "room"
    presence_template = "chat/room.html#online"
    person_template = "chat/room.html#online-person"

    def load_space(self, user: User, *, slug: str) -> Room | None:
        room = Room.objects.select_related("team").filter(slug=slug).first()
        if room is None or not policies.can_view_space(user, room):
            return None
        self.may_post = policies.can_post(user, room)
        return room

    def group_for(self, room: Room) -> str:
        return actions.room_group(room)

    @property
    def room(self) -> Room:
        return self.space_obj

    def catch_up_frames(self, since: int) -> list[str]:
        """Every message created or changed after room event `since`, in event order."""
        last_event = self.latest_event()
        messages = list(
            Message.objects.filter(room=self.room, event__gt=since, event__lte=last_event)
            .select_related("author", "room")
            .prefetch_related("reactions__user")
            .order_by("event")[: CATCH_UP_MAX + 1]
        )
        if len(messages) > CATCH_UP_MAX:
            frames = [json.dumps({"type": "reset", "reason": "too far behind"})]
        else:
            frames = [actions.message_frame("message", m) for m in messages]
        return [*frames, json.dumps({"type": "synced", "last_event": last_event})]

    def latest_event(self) -> int:
        return Room.objects.values_list("last_event", flat=True).get(pk=self.room.pk)

    def frame_context(self, frame: dict) -> dict[str, object]:
        client_id = frame.get("client_id")
        return {"client_id": client_id if isinstance(client_id, str) else None}

    def _message(self, frame: dict) -> Message:
        return Message.objects.select_related("room", "author").get(
            pk=as_int(frame.get("id")), room=self.room
        )

    async def do_post(self, frame: dict) -> None:
        posted = await write(self._post, frame)
        message = posted.message
        ack = {
            "type": "ack", "client_id": message.client_id, "seq": message.seq,
            "event": message.event, "id": message.pk, "created": posted.created,
        }  # fmt: skip
        await self.send(text_data=json.dumps(ack))

    def _post(self, frame: dict) -> actions.Posted:
        parent_id = frame.get("parent")
        parent = None
        if parent_id is not None:
            parent = Message.objects.get(pk=as_int(parent_id), room=self.room)
        return actions.post_message(
            room=self.room, author=self.user, body=frame.get("body"),
            client_id=frame.get("client_id"), parent=parent,
        )  # fmt: skip

    async def do_edit(self, frame: dict) -> None:
        await write(
            lambda: actions.edit_message(
                message=self._message(frame), user=self.user, body=frame.get("body")
            )
        )

    async def do_delete(self, frame: dict) -> None:
        await write(lambda: actions.delete_message(message=self._message(frame), user=self.user))

    async def do_react(self, frame: dict) -> None:
        await write(
            lambda: actions.toggle_reaction(
                message=self._message(frame), user=self.user, emoji=frame.get("emoji")
            )
        )

    async def do_resolve(self, frame: dict) -> None:
        resolved = frame.get("resolved") is not False
        await write(
            lambda: actions.resolve_thread(
                message=self._message(frame), user=self.user, resolved=resolved
            )
        )

    async def do_read(self, frame: dict) -> None:
        seq = as_int(frame.get("seq"))
        await write(actions.mark_read, room=self.room, user=self.user, seq=seq)

    async def do_typing(self, frame: dict) -> None:
        if not self.may_post:
            return
        event = {"type": "typing", "user": self.user.pk, "name": self.user.name}
        await broadcast_now(self.group, {"type": "chat.typing", "frame": json.dumps(event)})

    # Events from the channel layer: the frame was rendered once by the action; forward it.
    async def chat_message_posted(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    chat_message_changed = chat_typing = chat_message_posted

    async def chat_room_changed(self, event: dict) -> None:
        """Archived or unarchived (by anyone, in any process): this socket's copy of the room
        follows, so posting is refused or allowed again without reconnecting."""
        if self.room.is_archived != event["archived"]:
            self.room.is_archived = event["archived"]
            self.may_post = await database_sync_to_async(policies.can_post)(self.user, self.room)
        await self.send(text_data=event["frame"])


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
        # Joined first, then read: the counts as they are now, for a page rendered a while ago
        # or a socket that was away (what happened meanwhile was not heard).
        state = await database_sync_to_async(nav_state)(user)
        await self.send(text_data=json.dumps({"type": "state", **state}))

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        error = {"type": "error", "code": "read_only", "message": "Nothing to send here."}
        await self.send(text_data=json.dumps(error))

    async def chat_activity(self, event: dict) -> None:
        await self.send(text_data=event["frame"])

    chat_mentioned = chat_activity

    async def chat_read(self, event: dict) -> None:
        if event.get("new"):  # a room opened for the first time: follow its count from now on
            await self._join(actions.activity_group(event["room"]))
        await self.send(text_data=event["frame"])

    async def session_signed_out(self, event: dict) -> None:
        await self.close(code=4401)
