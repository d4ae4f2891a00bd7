"""Typing indicators: ephemeral, nothing stored; at most one frame per person and room every
TYPING_INTERVAL seconds reaches the room, the rest are dropped quietly."""

from accounts import policies
from accounts.models import User
from chat import events as room_events
from chat.models import Room
from nexus_live import events, ratelimit

TYPING_INTERVAL = 2.0  # seconds; the composer sends one at most every 3 s


def send_typing(*, room: Room, user: User) -> bool:
    """Tell the room that `user` is typing. Returns whether it was sent."""
    if not policies.can_post(user, room):
        return False
    if ratelimit.wait_for(f"typing:{room.pk}:{user.pk}", burst=1, interval=TYPING_INTERVAL):
        return False
    text = room_events.typing_frame(room, user)
    events.publish_ephemeral(room_events.room_group(room), events.forward(text))
    return True
