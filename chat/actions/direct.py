"""Direct conversations: one for each set of 2-8 people, whoever opens it first; a group one
(3+) named and left by its people."""

import secrets
import unicodedata
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
                is_group=len(people) > 2,
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
            _show_to_members(room, people)
    except IntegrityError:  # opened by someone else meanwhile
        return Room.objects.get(member_key=key)
    return room


TITLE_MAX = 80
ONE_TO_ONE = (
    "A conversation of two people is called by the other person's name and cannot be {what}; "
    "only a group conversation (three people or more) can."
)


def _show_to_members(room: Room, people: Iterable[User | int]) -> None:
    """After commit, every member's pages show the conversation as it is now (/dm/ and the
    sidebar): one `direct` frame, rendered once."""
    text = room_events.direct_frame(room)
    for person in people:
        events.publish_on_commit(room_events.user_group(person), events.forward(text))


def _changed(room: Room) -> None:
    """The conversation's open pages get the new header (their sockets look again at who may
    stay: the one who left is closed), and every member's lists the new name or people."""
    event = {"type": "live.space_changed", "frame": room_events.room_frame(room)}
    events.publish_on_commit(room_events.room_group(room), event)
    _show_to_members(room, room.members.values_list("user_id", flat=True))


def _check_change(room: Room, user: User, what: str) -> None:
    if not room.is_direct or not policies.can_view_space(user, room):
        raise PermissionDenied("Only the people of a direct conversation can change it.")
    if not policies.can_change_direct(user, room):
        raise ValidationError(ONE_TO_ONE.format(what=what))


def clean_title(title: object) -> str:
    text = unicodedata.normalize("NFC", str(title or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if len(text) > TITLE_MAX:
        raise ValidationError(f"A conversation's name has at most {TITLE_MAX} characters.")
    return text


def rename_direct(*, room: Room, user: User, title: object) -> Room:
    """Name a group conversation (like Slack's group DMs): any of its people, for everyone in
    it. An empty name goes back to the people's names."""
    _check_change(room, user, "renamed")
    room.title = clean_title(title)
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(title=room.title)
        _changed(room)
    return room


def leave_direct(*, room: Room, user: User) -> Room:
    """`user` leaves a group conversation: their membership and read mark go, their open pages
    close, the others' header and lists show who is left. The history stays (also when the
    last person leaves: nobody sees it then). The conversation no longer answers to any set of
    people (`member_key` "left-<id>"): opening a DM with the same people starts a new one, so
    nobody is ever added back to one they left."""
    _check_change(room, user, "left")
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).first()  # one leave at a time
        deleted, _ = RoomMember.objects.filter(room=room, user=user).delete()
        if not deleted:  # left meanwhile, in another tab
            raise PermissionDenied("You are not in this conversation any more.")
        RoomVisit.objects.filter(room=room, user=user).delete()
        room.member_key = f"left-{room.pk}"
        Room.objects.filter(pk=room.pk).update(member_key=room.member_key)
        room.__dict__.pop("member_ids", None)
        _changed(room)
        left = events.forward(room_events.direct_frame(room, left=True))
        events.publish_on_commit(room_events.user_group(user), left)
        events.access_changed(user.pk)
    return room
