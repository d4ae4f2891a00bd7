"""Opening direct conversations: one for each set of 2-8 people, whoever opens it first."""

import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import policies
from accounts.models import User
from chat import events as room_events
from chat.actions.messages import check_rate
from chat.models import Room, RoomMember, RoomVisit
from nexus_live import events

DIRECT_MAX = 8  # people in one direct conversation, the one who opens it included
DIRECT_SLUG_PREFIX = "dm_"  # room names have no "_": a DM's slug never takes a room's


def member_key(people: Iterable[User | int]) -> str:
    return ",".join(str(pk) for pk in sorted({getattr(p, "pk", p) for p in people}))


def open_direct(user: User, others: Iterable[User]) -> Room:
    """The direct conversation of `user` and `others`, new or the one they already have.
    Race-safe: two people opening the same one at once get the same room (`member_key` is
    unique). Every member follows it from the start (a read mark at 0: everything unread)."""
    others = {other.pk: other for other in others if other.pk != user.pk}
    if not others:
        raise ValidationError("Choose at least one other person.")
    if len(others) + 1 > DIRECT_MAX:
        raise ValidationError(
            f"A direct conversation has at most {DIRECT_MAX} people, you included."
        )
    for other in others.values():
        if not policies.can_message(user, other):
            raise PermissionDenied(f"You cannot send {other.name} a direct message.")
    people = sorted([user, *others.values()], key=lambda p: (p.name.lower(), p.pk))
    key = member_key(people)
    existing = Room.objects.filter(member_key=key).first()
    if existing is not None:
        return existing
    check_rate(user, "direct")  # a new conversation notifies its people: not a flood of them
    try:
        with transaction.atomic():
            room = Room.objects.create(
                kind=Room.Kind.DIRECT,
                member_key=key,
                is_private=True,
                name=", ".join(person.name for person in people)[:80],
                slug=DIRECT_SLUG_PREFIX + secrets.token_hex(8),
                created_by=user,
            )
            RoomMember.objects.bulk_create([RoomMember(room=room, user=p) for p in people])
            RoomVisit.objects.bulk_create(
                [RoomVisit(room=room, user=p, last_read_seq=0) for p in people]
            )
            for person in people:  # their open tabs follow its unread count from now on
                text = room_events.read_frame(room.pk, 0, direct=True)
                event = events.forward(text, room=room.pk, new=True)
                events.publish_on_commit(room_events.user_group(person), event)
    except IntegrityError:  # opened by someone else meanwhile
        return Room.objects.get(member_key=key)
    return room
