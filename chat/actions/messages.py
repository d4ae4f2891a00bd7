"""Posting, editing, deleting and resolving messages. Every change of a room takes the room's
next event under its row lock; a new message also takes the next seq."""

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import policies
from accounts.models import User
from chat import events as room_events
from chat.models import Mention, Message, MessageEdit, Room
from chat.queries import mentioned_people
from nexus_live import events, metrics, ratelimit
from nexus_live.markdown import render_markdown
from nexus_live.text import plain_text

MAX_BODY = 8000  # characters; the composer says so
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ARCHIVED = "This room is archived: it is read-only."


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool  # False when a retry found the message its client id already made


def _clean_body(body: object) -> str:
    body = plain_text(body, "A message").strip()
    if not body:
        raise ValidationError("Write something first.")
    if len(body) > MAX_BODY:
        raise ValidationError(f"A message is at most {MAX_BODY:,} characters ({len(body):,} now).")
    return body


def check_rate(user: User, what: str = "chat") -> None:
    """A burst of CHAT_RATE_BURST, then one per CHAT_RATE_INTERVAL seconds, per person and
    kind of action (posts; reactions)."""
    ratelimit.check(
        f"{what}:{user.pk}", burst=settings.CHAT_RATE_BURST, interval=settings.CHAT_RATE_INTERVAL
    )


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
        check_rate(author)
    except ratelimit.RateLimited:
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
            text = room_events.message_frame("message", message)
            del message.reaction_summary  # reactions may come; later reads must look
            metrics.written("message_posted")
            events.publish_on_commit(room_events.room_group(room), events.forward(text))
            events.publish_on_commit(
                room_events.activity_group(room),
                events.forward(room_events.activity_frame(room.pk, message.seq), order=message.seq),
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
        text = room_events.mention_frame(unseen, message)
        events.publish_on_commit(room_events.user_group(person), events.forward(text))


def _change(message: Message, apply: Callable[[Message], None]) -> Message:
    """Change a message as the room's next event: lock, `apply(locked)`, save, publish.
    Must run inside a transaction; the frame carries the event so clients drop stale ones."""
    room, author = message.room, message.author
    event = _next_event(room)
    locked = Message.objects.select_for_update().get(pk=message.pk)
    locked.room, locked.author = room, author
    apply(locked)
    locked.event = event
    locked.save()
    text = room_events.message_frame("message_changed", locked)
    events.publish_on_commit(room_events.room_group(room), events.forward(text))
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
        metrics.written("message_edited")

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
