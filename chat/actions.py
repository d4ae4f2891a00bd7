"""Every write to rooms and messages: check, validate, write atomically, broadcast after commit."""

import json
import re
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import policies
from accounts.models import Team, User
from chat.models import (
    REACTIONS,
    Mention,
    Message,
    MessageEdit,
    Reaction,
    Room,
    RoomVisit,
)
from nexus_live import ratelimit
from nexus_live.broadcast import broadcast_on_commit
from nexus_live.markdown import render_markdown
from nexus_live.text import one_line, plain_text

MAX_BODY = 8000  # characters; the composer says so
MESSAGE_CONTEXT = {"reactions_palette": REACTIONS}  # what a page of messages needs
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RateLimited(ValidationError):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"You are sending too fast. Try again in {retry_after:.0f} s.")


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool  # False when a retry found the message its client id already made


def room_group(room: Room) -> str:
    return f"room-{room.pk}"


def activity_group(room: Room | int) -> str:
    """The people who follow a room's unread count (from any page) listen here."""
    return f"room-activity-{getattr(room, 'pk', room)}"


def user_group(user: User | int) -> str:
    """A person's /ws/me/ sockets: unread counts and mentions."""
    return f"user-{getattr(user, 'pk', user)}"


MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


def mentioned_people(room: Room, body: str) -> list[User]:
    """@alice matches the person whose email starts alice@, or whose display name is Alice."""
    handles = {handle.rstrip(".").lower() for handle in MENTION.findall(body)}
    if not handles:
        return []
    match = Q()
    for handle in handles:
        match |= Q(email__istartswith=f"{handle}@") | Q(display_name__iexact=handle)
    candidates = User.objects.filter(match, is_active=True)
    return [person for person in candidates if policies.can_view_space(person, room)]


ROOM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
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
            "A room name is 1-40 lowercase letters, digits or dashes; it starts with a letter "
            "or a digit."
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


def _broadcast_room(room: Room) -> None:
    frame = json.dumps(
        {"type": "room", "html": render_to_string("chat/room.html#header", {"room": room})}
    )
    event = {"type": "chat.room_changed", "frame": frame, "archived": room.is_archived}
    broadcast_on_commit(room_group(room), event)


def update_topic(*, room: Room, user: User, topic: object) -> Room:
    if not policies.can_manage_space(user, room):
        raise PermissionDenied("Only the room's owners can change its topic.")
    room.topic = _clean_topic(topic)
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(topic=room.topic)
        _broadcast_room(room)
    return room


def archive_room(*, room: Room, user: User, archived: bool = True) -> Room:
    """Archived rooms stay readable and searchable; nobody can post in them."""
    if not policies.can_manage_space(user, room):
        raise PermissionDenied("Only the room's owners can archive it.")
    room.is_archived = archived
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(is_archived=archived)
        _broadcast_room(room)
    return room


def _clean_body(body: object) -> str:
    body = plain_text(body, "A message").strip()
    if not body:
        raise ValidationError("Write something first.")
    if len(body) > MAX_BODY:
        raise ValidationError(f"A message is at most {MAX_BODY:,} characters ({len(body):,} now).")
    return body


def _check_rate(user: User) -> None:
    """A burst of CHAT_RATE_BURST messages, then one per CHAT_RATE_INTERVAL seconds."""
    wait = ratelimit.wait_for(
        f"chat:{user.pk}", burst=settings.CHAT_RATE_BURST, interval=settings.CHAT_RATE_INTERVAL
    )
    if wait > 0:
        raise RateLimited(wait)


def _next_seq(room: Room) -> tuple[int, int]:
    """Take the room's next message seq and next event. The room row stays locked until the
    writing transaction ends: seqs are gapless and every change of the room is ordered.
    An archived room has none to give (it may have been archived since `room` was read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chat_room SET last_seq = last_seq + 1, last_event = last_event + 1 "
            "WHERE id = %s AND NOT is_archived RETURNING last_seq, last_event",
            [room.pk],
        )
        taken = cursor.fetchone()
    if taken is None:
        raise PermissionDenied(ARCHIVED)
    return taken


ARCHIVED = "This room is archived: it is read-only."

# PostgreSQL takes the seq and inserts in one statement: a transaction of its own, the room
# row locked only while it runs, one round trip. (SQLite cannot UPDATE inside WITH.)
_INSERT_WITH_SEQ = """
WITH taken AS (
    UPDATE chat_room SET last_seq = last_seq + 1, last_event = last_event + 1
    WHERE id = %(room)s AND NOT is_archived RETURNING id, last_seq, last_event
)
INSERT INTO chat_message
    (room_id, seq, event, author_id, client_id, parent_id, body, body_html, created_at,
     reply_count)
SELECT id, last_seq, last_event, %(author)s, %(client_id)s, %(parent)s, %(body)s, %(body_html)s,
    %(created_at)s, 0
FROM taken
RETURNING id, seq, event
"""


def _insert_message(message: Message) -> None:
    """Give the unsaved `message` its room's next seq and event, and store it."""
    if connection.vendor != "postgresql":
        message.seq, message.event = _next_seq(message.room)
        message.save(force_insert=True)
        return
    message.created_at = timezone.now()
    fields = {
        "room": message.room_id, "author": message.author_id, "client_id": message.client_id,
        "parent": message.parent_id, "body": message.body, "body_html": message.body_html,
        "created_at": message.created_at,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_WITH_SEQ, fields)
        inserted = cursor.fetchone()
    if inserted is None:
        raise PermissionDenied(ARCHIVED)
    message.pk, message.seq, message.event = inserted
    message._state.adding, message._state.db = False, connection.alias


def _next_event(room: Room) -> int:
    """Take the room's next event for a change (edit, delete, reaction…), with the same lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chat_room SET last_event = last_event + 1 WHERE id = %s RETURNING last_event",
            [room.pk],
        )
        return cursor.fetchone()[0]


def render_message(message: Message) -> str:
    return render_to_string("chat/room.html#message", {"message": message})


def message_frame(kind: str, message: Message) -> str:
    """The JSON frame of a message, as every socket forwards it: rendered once."""
    return json.dumps(
        {
            "type": kind,
            "seq": message.seq,
            "event": message.event,
            "id": message.pk,
            "client_id": message.client_id,
            "parent": message.parent_id,
            "html": render_message(message),
        }
    )


def post_message(
    *, room: Room, author: User, body: object, client_id: object, parent: Message | None = None
) -> Posted:
    if not policies.can_post(author, room):
        raise PermissionDenied("You cannot post in this room.")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError("A message needs a client id of 1-64 letters, digits, - or _.")
    body = _clean_body(body)
    if parent is not None and (parent.room_id != room.pk or parent.parent_id is not None):
        raise ValidationError("Reply to a message of this room.")
    try:
        _check_rate(author)
    except RateLimited:
        if existing := _already_posted(room, author, client_id):  # a retry takes no allowance
            return existing
        raise
    html = render_markdown(body)
    message = Message(
        room=room, author=author, client_id=client_id, parent=parent, body=body, body_html=html
    )
    # A plain message is one statement (see _insert_message), its own transaction. A reply
    # or a mention writes more, all or nothing; inside a caller's transaction, a savepoint.
    alone = (
        parent is None
        and "@" not in body
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )
    try:
        with nullcontext() if alone else transaction.atomic():
            _insert_message(message)
            message.reaction_summary = []  # new: no query to learn that
            frame = message_frame("message", message)
            del message.reaction_summary  # reactions may come; later reads must look
            broadcast_on_commit(
                room_group(room),
                {"type": "chat.message_posted", "seq": message.seq, "frame": frame},
            )
            activity = json.dumps({"type": "activity", "room": room.pk, "seq": message.seq})
            broadcast_on_commit(
                activity_group(room),
                {"type": "chat.activity", "seq": message.seq, "frame": activity},
                coalesce=True,
            )
            if not alone:
                _notify_mentions(message, body)
            if parent is not None:
                _change(parent, lambda root: setattr(root, "reply_count", root.reply_count + 1))
    except IntegrityError:
        # A retry: this client id is taken (by an earlier try, or a race with another
        # request), so that message is the answer. Retries are rare: no query before.
        if existing := _already_posted(room, author, client_id):
            return existing
        raise
    return Posted(message, created=True)


def _already_posted(room: Room, author: User, client_id: str) -> Posted | None:
    message = Message.objects.filter(room=room, author=author, client_id=client_id).first()
    return None if message is None else Posted(message, created=False)


def _notify_mentions(message: Message, body: str) -> None:
    """Everyone `body` mentions who was not yet mentioned by `message` (an edit can add some;
    nobody hears twice of one message) gets a Mention and a live badge."""
    already = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    people = [
        p
        for p in mentioned_people(message.room, body)
        if p.pk != message.author_id and p.pk not in already
    ]
    Mention.objects.bulk_create([Mention(message=message, user=person) for person in people])
    for person in people:
        unseen = Mention.objects.filter(user=person, seen_at__isnull=True).count()
        frame = json.dumps(
            {
                "type": "mention",
                "count": unseen,
                "room": message.room.name,
                "author": message.author.name,
                "url": message.get_absolute_url(),
            }
        )
        broadcast_on_commit(user_group(person), {"type": "chat.mentioned", "frame": frame})


def _change(message: Message, apply) -> Message:
    """Change a message as the room's next event: lock, `apply(locked)`, save, broadcast.
    Must run inside a transaction; the frame carries the event so clients drop stale ones."""
    room, author = message.room, message.author
    event = _next_event(room)
    locked = Message.objects.select_for_update().get(pk=message.pk)
    locked.room, locked.author = room, author
    apply(locked)
    locked.event = event
    locked.save()
    broadcast_on_commit(
        room_group(room),
        {
            "type": "chat.message_changed",
            "seq": locked.seq,
            "frame": message_frame("message_changed", locked),
        },
    )
    return locked


def edit_message(*, message: Message, user: User, body: object) -> Message:
    if message.author_id != user.pk or not policies.can_post(user, message.room):
        raise PermissionDenied("You can edit only your own messages.")
    if message.is_deleted:
        raise ValidationError("This message was deleted.")
    body = _clean_body(body)
    if body == message.body:
        return message
    html = render_markdown(body)

    def apply(locked: Message) -> None:
        MessageEdit.objects.create(message=locked, body=locked.body)
        locked.body, locked.body_html, locked.edited_at = body, html, timezone.now()
        _notify_mentions(locked, body)  # as Zulip does: a mention added by an edit notifies

    with transaction.atomic():
        return _change(message, apply)


def delete_message(*, message: Message, user: User) -> Message:
    own = message.author_id == user.pk and policies.can_view_space(user, message.room)
    if not (own or policies.can_moderate(user, message.room)):
        raise PermissionDenied("You can delete only your own messages.")
    if message.is_deleted:
        return message

    def apply(locked: Message) -> None:
        locked.deleted_at = timezone.now()
        locked.body, locked.body_html = "", ""
        MessageEdit.objects.filter(message=locked).delete()

    with transaction.atomic():
        return _change(message, apply)


def toggle_reaction(*, message: Message, user: User, emoji: object) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is there now."""
    if emoji not in REACTIONS:
        raise ValidationError("React with one of: " + " ".join(REACTIONS))
    if not policies.can_post(user, message.room) or message.is_deleted:
        raise PermissionDenied("You cannot react to this message.")
    added = []

    def apply(locked: Message) -> None:
        removed, _ = Reaction.objects.filter(message=locked, user=user, emoji=emoji).delete()
        if not removed:
            Reaction.objects.create(message=locked, user=user, emoji=emoji)
            added.append(emoji)

    with transaction.atomic():
        _change(message, apply)
    return bool(added)


def resolve_thread(*, message: Message, user: User, resolved: bool = True) -> Message:
    if message.parent_id is not None:
        raise ValidationError("Resolve the thread's first message, not a reply.")
    if not policies.can_resolve(user, message):
        raise PermissionDenied("Only the asker, the room's owners and mentors can resolve this.")
    with transaction.atomic():
        return _change(
            message,
            lambda locked: setattr(locked, "resolved_at", timezone.now() if resolved else None),
        )


def mark_read(*, room: Room, user: User, seq: int) -> None:
    """Move the person's read mark forward (never back); their other tabs hear of it."""
    seq = min(int(seq), Room.objects.values_list("last_seq", flat=True).get(pk=room.pk))
    visit, created = RoomVisit.objects.get_or_create(
        room=room, user=user, defaults={"last_read_seq": seq}
    )
    if created or RoomVisit.objects.filter(pk=visit.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq
    ):
        frame = json.dumps({"type": "read", "room": room.pk, "seq": seq})
        event = {"type": "chat.read", "frame": frame, "room": room.pk, "new": created}
        broadcast_on_commit(user_group(user), event)


def mark_mentions_seen(*, user: User) -> int:
    seen = Mention.objects.filter(user=user, seen_at__isnull=True).update(seen_at=timezone.now())
    if seen:
        frame = json.dumps({"type": "mention", "count": 0})
        broadcast_on_commit(user_group(user), {"type": "chat.mentioned", "frame": frame})
    return seen
