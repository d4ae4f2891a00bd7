"""Read marks and seen mentions: a person's own state, told to their other tabs."""

from django.utils import timezone

from accounts.models import User
from chat import events as room_events
from chat.models import Mention, Room, RoomVisit
from nexus_live import events


def mark_read(*, room: Room, user: User, seq: int) -> None:
    """Move the person's read mark forward (never back) to message `seq`; their other tabs
    hear of it. A room read for the first time is followed from then on."""
    seq = min(int(seq), Room.objects.values_list("last_seq", flat=True).get(pk=room.pk))
    visit, created = RoomVisit.objects.get_or_create(
        room=room, user=user, defaults={"last_read_seq": seq}
    )
    if created or RoomVisit.objects.filter(pk=visit.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq
    ):
        text = room_events.read_frame(room.pk, seq)
        event = events.forward(text, room=room.pk, new=created)
        events.publish_on_commit(room_events.user_group(user), event)


def mark_mentions_seen(*, user: User) -> int:
    seen = Mention.objects.filter(user=user, seen_at__isnull=True).update(seen_at=timezone.now())
    if seen:
        text = room_events.mention_frame(0)
        events.publish_on_commit(room_events.user_group(user), events.forward(text))
    return seen
