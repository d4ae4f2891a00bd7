"""Pinning messages: a room's moderators (in a direct conversation, any member) keep a short
list of messages in its header, live for everyone in the room."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policies
from accounts.models import User
from chat import events as room_events
from chat.actions.messages import _change
from chat.models import Message, Room
from nexus_live import events

PINS_MAX = 50  # pinned messages per room: the header's list stays a list


def publish_pins(room: Room, event: int) -> None:
    """After commit: the room's pinned list, rendered once, to everyone in the room."""
    text = room_events.pins_frame(room, event)
    events.publish_on_commit(room_events.room_group(room), events.forward(text))


def pin_message(*, message: Message, user: User, pinned: bool = True) -> Message:
    """Pin (or unpin) `message`. Pinning a pinned message, or unpinning one that is not, is
    no change and sends nothing."""
    room = message.room
    if not policies.can_pin(user, room):
        if policies.can_view_space(user, room) and not room.is_archived:
            raise PermissionDenied("Only the room's owners and mentors can pin messages.")
        raise PermissionDenied("You cannot pin messages in this room.")
    if pinned and message.is_deleted:
        raise ValidationError("A deleted message cannot be pinned.")
    changed: list[bool] = []

    def apply(locked: Message) -> None:
        if pinned and locked.pinned_at is None:
            count = Message.objects.filter(room=room, pinned_at__isnull=False).count()
            if count >= PINS_MAX:
                raise ValidationError(
                    f"A room has at most {PINS_MAX} pinned messages: unpin one first."
                )
            locked.pinned_at, locked.pinned_by = timezone.now(), user
            changed.append(True)
        elif not pinned and locked.pinned_at is not None:
            locked.pinned_at, locked.pinned_by = None, None
            changed.append(True)

    if (message.pinned_at is not None) == pinned:
        return message
    with transaction.atomic():
        locked = _change(message, apply)
        if changed:
            publish_pins(room, locked.event)
    return locked
