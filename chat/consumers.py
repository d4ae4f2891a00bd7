"""The room socket and the per-person socket. Thin: authorise, join, forward events, hand
inbound frames to chat/actions. Connecting, catch-up, presence, frames: nexus_live/sockets."""

from accounts import policies
from accounts.models import User
from chat import actions, queries
from chat import events as room_events
from chat.models import Message, Room
from nexus_live import events
from nexus_live.sockets import LiveConsumer, SpaceConsumer
from nexus_live.text import as_int
from nexus_live.writes import Batch, read, write

# Group commit (decision 009): a room's posts in one lane, in order; four lanes, as many as
# the write threads, so that a batch waiting on rooms another process has locked holds up
# only the rooms of its lane.
post_together = Batch(actions.post_messages, lanes=4, lane=lambda post: post.room.pk)


class RoomConsumer(SpaceConsumer):
    kind = "room"
    presence_template = "chat/room.html#online"
    person_template = "chat/room.html#online-person"

    def load_space(self, user: User, *, slug: str) -> Room | None:
        room = Room.objects.select_related("team").filter(slug=slug).first()
        if room is None or not policies.can_view_space(user, room):
            return None
        return room

    def group_for(self, room: Room) -> str:
        return room_events.room_group(room)

    @property
    def room(self) -> Room:
        return self.space_obj

    def events_since(self, since: int) -> list[str]:
        return room_events.events_since(self.room, since)

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
        if frame.get("parent") is None and not frame.get("attachments"):
            # a plain post: written with the process's others
            post = actions.NewPost(self.room, self.user, frame.get("body"), frame.get("client_id"))
            posted = await post_together(post)
        else:
            posted = await write(self._post, frame)
        message = posted.message
        ack = events.frame(
            "ack", event=message.event, id=message.pk, seq=message.seq,
            client_id=message.client_id, created=posted.created,
        )  # fmt: skip
        await self.send(text_data=ack)

    def _post(self, frame: dict) -> actions.Posted:
        parent_id = frame.get("parent")
        parent = None
        if parent_id is not None:
            parent = Message.objects.get(pk=as_int(parent_id), room=self.room)
        return actions.post_message(
            room=self.room, author=self.user, body=frame.get("body"),
            client_id=frame.get("client_id"), parent=parent,
            attachments=frame.get("attachments"),
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

    async def do_accept(self, frame: dict) -> None:
        """{"action": "accept", "id": <reply>, "accepted": false to take it back}."""
        accepted = frame.get("accepted") is not False
        await write(
            lambda: actions.accept_answer(
                message=self._message(frame), user=self.user, accepted=accepted
            )
        )

    async def do_verify(self, frame: dict) -> None:
        """{"action": "verify", "id": <accepted reply>, "verified": false to take it back}."""
        verified = frame.get("verified") is not False
        await write(
            lambda: actions.verify_answer(
                message=self._message(frame), user=self.user, verified=verified
            )
        )

    async def do_unpreview(self, frame: dict) -> None:
        """{"action": "unpreview", "id": <message>, "preview": <its preview's id>}: the
        author takes a link's card away; everyone gets `message_changed`."""
        await write(
            lambda: actions.remove_preview(
                message=self._message(frame), user=self.user, preview=frame.get("preview")
            )
        )

    async def do_pin(self, frame: dict) -> None:
        """{"action": "pin", "id": <message>, "pinned": false to unpin}: everyone gets `pins`."""
        pinned = frame.get("pinned") is not False
        await write(
            lambda: actions.pin_message(message=self._message(frame), user=self.user, pinned=pinned)
        )

    async def do_read(self, frame: dict) -> None:
        seq = as_int(frame.get("seq"))
        await write(actions.mark_read, room=self.room, user=self.user, seq=seq)

    async def do_typing(self, frame: dict) -> None:
        await write(actions.send_typing, room=self.room, user=self.user)


class UserConsumer(LiveConsumer):
    """One per tab: unread counts of the rooms a person follows and may see, and their
    @mentions. Access changes (a team left, a room gone private) re-count at once."""

    def _rooms(self) -> list[int]:
        return [room.pk for room in queries.followed_rooms(self.user)]

    async def authorise(self) -> bool:
        self.rooms = await read(self._rooms)
        return True

    def own_groups(self) -> list[str]:
        return [room_events.user_group(self.user), *map(room_events.activity_group, self.rooms)]

    async def opened(self) -> None:
        await self.send_state()

    async def send_state(self) -> None:
        """The counts as they are now: on open (a page rendered a while ago, a socket that was
        away), on `sync`, and after an access change."""
        state = await read(queries.nav_state, self.user)
        await self.send(text_data=events.frame("state", **state))

    async def reauthorised(self) -> None:
        wanted = set(self.own_groups())
        joined = {group for group in self.groups_joined if group.startswith("room-activity-")}
        await self.leave(sorted(joined - wanted))
        await self.join(sorted(group for group in wanted - set(self.groups_joined)))
        await self.send_state()

    async def do_sync(self, frame: dict) -> None:
        self.take_sync()
        await self.send_state()

    async def live_frame(self, event: dict) -> None:
        if event.get("new"):  # a room read for the first time: follow its count from now on
            await self.join([room_events.activity_group(event["room"])])
        await self.send(text_data=event["frame"])


class QueueConsumer(LiveConsumer):
    """/ws/queue/: a mentor's help queue (decision 023). Joins the queue groups of what the
    person may see (public rooms, each of their teams), then sends the whole queue (`queue`);
    after that each change comes as `queue_item` or `queue_removed`. An access change (a team
    joined or left, no longer a mentor) joins and leaves groups, and sends the queue again."""

    kind = "queue"

    async def authorise(self) -> bool:
        if not policies.can_see_queue(self.user):
            return False
        self.queue_groups = await read(room_events.queue_groups, self.user)
        return True

    def own_groups(self) -> list[str]:
        return list(self.queue_groups)

    async def opened(self) -> None:
        await self.send_queue()

    async def send_queue(self) -> None:
        await self.send(text_data=await read(room_events.queue_frame, self.user))

    async def reauthorised(self) -> None:
        wanted = set(self.queue_groups)
        joined = {group for group in self.groups_joined if group.startswith("queue-")}
        await self.leave(sorted(joined - wanted))
        await self.join(sorted(wanted - joined))
        await self.send_queue()

    async def queue_stale(self, event: dict) -> None:
        """A room was archived or unarchived: its questions leave or come back."""
        await self.send_queue()

    async def do_sync(self, frame: dict) -> None:
        """The whole queue again (a page back from being away)."""
        self.take_sync()
        await self.send_queue()

    async def do_claim(self, frame: dict) -> None:
        """{"action": "claim", "id": <question>, "claimed": false to take it back}."""
        claimed = frame.get("claimed") is not False
        question_id = as_int(frame.get("id"))

        def claim() -> None:
            question = (
                Message.objects.select_related("room", "author")
                .filter(
                    parent__isnull=True, room__in=Room.objects.visible_to(self.user).values("pk")
                )
                .get(pk=question_id)
            )
            actions.claim_question(message=question, user=self.user, claimed=claimed)

        await write(claim)
