"""Creating rooms and changing their topic or archiving them."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import policies
from accounts.models import Team, User
from chat import events as room_events
from chat.models import Room
from nexus_live import events
from nexus_live.text import one_line

ROOM_NAME_MAX = 40
ROOM_NAME = re.compile(rf"^[a-z0-9][a-z0-9-]{{0,{ROOM_NAME_MAX - 1}}}$")
TOPIC_MAX = 300
RESERVED_ROOM_NAMES = {"mentions", "search"}  # pages under /rooms/


def _clean_topic(topic: object) -> str:
    topic = one_line(topic, "A topic")
    if len(topic) > TOPIC_MAX:
        raise ValidationError(f"A topic is at most {TOPIC_MAX} characters.")
    return topic


def create_room(
    *, user: User, name: str, topic: str = "", team: Team | None = None, is_private: bool = False
) -> Room:
    """Public rooms: anyone signed in may create one. Team rooms: the team's owners and members."""
    name = one_line(name, "A room name").lstrip("#").lower()
    if not ROOM_NAME.match(name):
        raise ValidationError(
            f"A room name is 1-{ROOM_NAME_MAX} lowercase letters, digits or dashes; it starts "
            "with a letter or a digit."
        )
    if name in RESERVED_ROOM_NAMES:
        raise ValidationError(f"#{name} is a reserved name; choose another.")
    if is_private and team is None:
        raise ValidationError("A private room belongs to a team.")
    if team is not None and not policies.can_contribute(user, team):
        raise PermissionDenied("Only the team's owners and members can add rooms to it.")
    if Room.objects.filter(slug=name).exists():
        raise ValidationError(f"There is already a room called #{name}.")
    try:
        with transaction.atomic():
            return Room.objects.create(
                name=name,
                slug=name,
                topic=_clean_topic(topic),
                team=team,
                is_private=is_private,
                created_by=user,
            )
    except IntegrityError:
        raise ValidationError(f"There is already a room called #{name}.") from None


def _room_changed(room: Room) -> None:
    """Every socket of the room looks again at what its person may do there, then shows the
    new header."""
    event = {"type": "live.space_changed", "frame": room_events.room_frame(room)}
    events.publish_on_commit(room_events.room_group(room), event)


def update_topic(*, room: Room, user: User, topic: object) -> Room:
    if not policies.can_manage_space(user, room):
        raise PermissionDenied("Only the room's owners can change its topic.")
    room.topic = _clean_topic(topic)
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(topic=room.topic)
        _room_changed(room)
    return room


def archive_room(*, room: Room, user: User, archived: bool = True) -> Room:
    """Archived rooms stay readable and searchable; nobody can post in them."""
    if not policies.can_manage_space(user, room):
        raise PermissionDenied("Only the room's owners can archive it.")
    room.is_archived = archived
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(is_archived=archived)
        _room_changed(room)
        if (group := room_events.queue_group(room)) is not None:
            # Its open questions leave the help queues (or come back): each queue reads again.
            events.publish_on_commit(group, {"type": "queue.stale"})
    return room
