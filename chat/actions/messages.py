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
from chat.models import Mention, Message, MessageEdit, MessagePreview, Notification, Room
from chat.queries import is_queued, mentioned_people, queue_question
from nexus_live import events, metrics, ratelimit
from nexus_live.markdown import render_markdown
from nexus_live.text import plain_text
from webhooks import outbox
from webhooks.models import Kind

MAX_BODY = 8000  # characters; the composer says so
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ARCHIVED = "This room is archived: it is read-only."


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool  # False when a retry found the message its client id already made


def _clean_body(body: object, *, may_be_empty: bool = False) -> str:
    body = plain_text(body, "A message").strip()
    if not body and not may_be_empty:
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


def _check_post(
    room: Room, author: User, body: object, client_id: object, *, with_files: bool = False
) -> str:
    """May `author` post `body` in `room` with this client id? The body, cleaned (a message
    with files may have none)."""
    if not policies.can_post(author, room):
        raise PermissionDenied("You cannot post in this room.")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError("A message needs a client id of 1-64 letters, digits, - or _.")
    return _clean_body(body, may_be_empty=with_files)


def post_message(
    *,
    room: Room,
    author: User,
    body: object,
    client_id: object,
    parent: Message | None = None,
    attachments: object = None,
) -> Posted:
    """Post a message; `attachments`: ids of the author's own uploads to this room, not yet
    posted (chat/actions/attachments.py), which become the message's."""
    with_files = attachments not in (None, [])
    body = _check_post(room, author, body, client_id, with_files=with_files)
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
    alone = not with_files and _is_plain(room, parent, body)
    try:
        with nullcontext() if alone else transaction.atomic():
            if with_files:
                from chat.actions.attachments import attach, take_attachments

                try:
                    files = take_attachments(room, author, attachments)
                except ValidationError:
                    # A retry finds its files taken by the message its first try made.
                    if existing := _already_posted(room, author, client_id):
                        return existing
                    raise
            _insert_message(message)
            if with_files:
                attach(message, files)
            if not alone:
                from chat.actions.previews import record_links

                record_links(message, body)
            _publish_new(message)
            outbox.message_posted(message)
            if not alone:
                _notify_mentions(message, body)
            if room.is_direct:
                _notify_direct(message)
            if parent is not None:
                _notify_thread(message, parent)
                _change(parent, lambda root: setattr(root, "reply_count", root.reply_count + 1))
    except IntegrityError:
        # A retry: this client id is taken (by an earlier try, or a race with another
        # request), so that message is the answer. Retries are rare: no query before.
        if existing := _already_posted(room, author, client_id):
            return existing
        raise
    return Posted(message, created=True)


def _is_plain(room: Room, parent: Message | None, body: object) -> bool:
    """A post that is one row and nothing else (no reply count, no mention, no link preview, no
    webhook event), on PostgreSQL, outside a caller's transaction: one statement is all it
    needs."""
    return (
        parent is None
        and not room.is_direct  # it notifies the other members
        and "@" not in str(body)
        and "://" not in str(body)  # a link: its preview is recorded with the message
        and Kind.MESSAGE_POSTED not in outbox.wanted(room.team_id)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _publish_new(message: Message) -> None:
    """After commit: the new message's frame to its room, its seq to the room's followers
    (their unread counts; coalesced)."""
    room = message.room
    message.reaction_summary = []  # new: no query to learn that
    Message.card.related.set_cached_value(message, None)  # new: promoted to no card yet
    if "attachment_list" not in message.__dict__:
        message.attachment_list = []  # posted without files (post_message sets any it has)
    if "preview_list" not in message.__dict__:
        message.preview_list = []  # no link (record_links sets those it shows at once)
    text = room_events.message_frame("message", message)
    del message.reaction_summary  # reactions may come; later reads must look
    metrics.written("message_posted")
    events.publish_on_commit(room_events.room_group(room), events.forward(text))
    events.publish_on_commit(
        room_events.activity_group(room),
        events.forward(room_events.activity_frame(room.pk, message.seq), order=message.seq),
        coalesce=True,
    )
    if is_queued(message):  # a new question: the mentors' queues (no query: nothing yet)
        message.first_reply_at, message.claim_list = None, []
        text = room_events.queue_item_frame(message)
        events.publish_on_commit(room_events.queue_group(room), events.forward(text))


def _queue_state(message: Message) -> tuple:
    """What the help queue shows of a message: a change that alters none of it sends none."""
    return (is_queued(message), message.body, message.reply_count)


def _publish_queue(message: Message, before: tuple, *, requeue: bool = False) -> None:
    """After a change to a thread's first message, inside its transaction: its help-queue
    frame once it commits (decision 023), if the queue shows anything new of it."""
    group = room_events.queue_group(message.room)
    after = _queue_state(message)
    if group is None or message.parent_id is not None or not (before[0] or after[0]):
        return
    if after == before and not requeue:
        return
    if after[0]:
        question = queue_question(message.pk)
        question.room = message.room
        text = room_events.queue_item_frame(question)
    else:
        text = room_events.queue_removed_frame(message)
    events.publish_on_commit(group, events.forward(text))


# --- Group commit: the plain posts of many sockets, one statement ------------------------------
@dataclass(frozen=True)
class NewPost:
    """One post of a batch: what its socket knows (room, person) and what it was sent."""

    room: Room
    author: User
    body: object
    client_id: object


# The rows not already there (a client id seen before: a retry), each room's seq and event
# range taken under its row lock (rooms locked in id order: two batches never deadlock),
# numbered in arrival order. A room archived meanwhile takes none.
_INSERT_MANY = """
WITH new AS (
    SELECT * FROM unnest(%(ord)s::int[], %(room)s::bigint[], %(author)s::bigint[],
        %(client_id)s::text[], %(body)s::text[], %(body_html)s::text[])
        AS t(ord, room_id, author_id, client_id, body, body_html)
    WHERE NOT EXISTS (
        SELECT 1 FROM chat_message m
        WHERE m.room_id = t.room_id AND m.author_id = t.author_id AND m.client_id = t.client_id
    )
),
counts AS (SELECT room_id, count(*) AS n FROM new GROUP BY room_id),
locked AS (
    SELECT id FROM chat_room WHERE id IN (SELECT room_id FROM counts) AND NOT is_archived
    ORDER BY id FOR UPDATE
),
taken AS (
    UPDATE chat_room r SET last_seq = r.last_seq + c.n, last_event = r.last_event + c.n
    FROM counts c JOIN locked l ON l.id = c.room_id
    WHERE r.id = c.room_id AND NOT r.is_archived
    RETURNING r.id, r.last_seq - c.n AS seq0, r.last_event - c.n AS event0
)
INSERT INTO chat_message
    (room_id, seq, event, author_id, client_id, parent_id, body, body_html, created_at,
     reply_count)
SELECT n.room_id, t.seq0 + row_number() OVER w, t.event0 + row_number() OVER w, n.author_id,
    n.client_id, NULL, n.body, n.body_html, %(created_at)s, 0
FROM new n JOIN taken t ON t.id = n.room_id
WINDOW w AS (PARTITION BY n.room_id ORDER BY n.ord)
RETURNING room_id, author_id, client_id, id, seq, event
"""


def post_messages(posts: list[NewPost]) -> list[Posted | Exception]:
    """Plain posts (no reply) from many sockets, written together: one rate-limit round trip
    and, on PostgreSQL, one statement (its own transaction) for all of them. Each post gets
    what `post_message` would give it alone: a Posted, or the error it alone caused, while
    the others go on. Events leave after the commit, as ever."""
    results: list[Posted | Exception | None] = [None] * len(posts)
    checked: list[tuple[int, NewPost, str]] = []
    for i, post in enumerate(posts):
        if len(posts) == 1 or not _is_plain(post.room, None, post.body):  # they write more
            results[i] = _post_alone(post)
            continue
        try:
            body = _check_post(post.room, post.author, post.body, post.client_id)
        except (PermissionDenied, ValidationError) as exc:
            results[i] = exc
        else:
            checked.append((i, post, body))
    waits = ratelimit.waits_for(
        [f"chat:{post.author.pk}" for _, post, _ in checked],
        burst=settings.CHAT_RATE_BURST,
        interval=settings.CHAT_RATE_INTERVAL,
    )
    rows: dict[tuple, _Row] = {}
    later: list[int] = []  # rate limited, or a client id twice in this batch: a retry?
    for (i, post, body), wait in zip(checked, waits, strict=True):
        key = (post.room.pk, post.author.pk, post.client_id)
        if wait > 0 or key in rows:
            results[i] = ratelimit.RateLimited(wait) if wait > 0 else None
            later.append(i)
        else:
            rows[key] = _Row(i, post, body, render_markdown(body))
    if rows:
        later += _insert_many(rows, results)
    for i in later:
        # A retry (or a twin in this batch) is answered by the message it made.
        post = posts[i]
        found = _already_posted(post.room, post.author, post.client_id)
        results[i] = found or results[i] or _post_alone(post)
    return results  # type: ignore[return-value]


@dataclass(frozen=True)
class _Row:
    index: int
    post: NewPost
    body: str
    html: str


def _post_alone(post: NewPost) -> Posted | Exception:
    try:
        return post_message(
            room=post.room, author=post.author, body=post.body, client_id=post.client_id
        )
    except (PermissionDenied, ValidationError, IntegrityError) as exc:
        return exc


def _insert_many(rows: dict[tuple, _Row], results: list) -> list[int]:
    """Store `rows` (by (room, author, client id)) in one statement, publish each new message
    after the commit and set its result. Returns the indexes of the posts whose client id was
    already taken (retries). A twin committed by another process between the statement's
    snapshot and its insert fails the statement: then each post goes alone."""
    entries = list(rows.values())
    created_at = timezone.now()
    params = {
        "ord": list(range(len(entries))),
        "room": [row.post.room.pk for row in entries],
        "author": [row.post.author.pk for row in entries],
        "client_id": [row.post.client_id for row in entries],
        "body": [row.body for row in entries],
        "body_html": [row.html for row in entries],
        "created_at": created_at,
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_MANY, params)
            inserted = {tuple(found[:3]): found[3:] for found in cursor.fetchall()}
    except IntegrityError:
        for row in entries:
            results[row.index] = _post_alone(row.post)
        return []
    stored_rooms = {key[0] for key in inserted}
    taken: list[int] = []
    messages = []
    for key, row in rows.items():
        if key in inserted:
            pk, seq, event = inserted[key]
            message = Message(
                pk=pk, room=row.post.room, author=row.post.author, client_id=row.post.client_id,
                body=row.body, body_html=row.html, created_at=created_at, seq=seq, event=event,
            )  # fmt: skip
            message._state.adding, message._state.db = False, connection.alias
            messages.append(message)
            results[row.index] = Posted(message, created=True)
        elif key[0] in stored_rooms or not _room_is_archived(key[0]):
            taken.append(row.index)
        else:
            results[row.index] = PermissionDenied(ARCHIVED)
    for message in sorted(messages, key=lambda m: m.seq):  # each room's frames in seq order
        _publish_new(message)
    return taken


def _room_is_archived(room_pk: int) -> bool:
    return Room.objects.filter(pk=room_pk, is_archived=True).exists()


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
    _record_notifications(message, [person.pk for person in people], Notification.Reason.MENTION)
    for person in people:
        unseen = Mention.objects.filter(user=person, seen_at__isnull=True).count()
        text = room_events.mention_frame(unseen, message)
        events.publish_on_commit(room_events.user_group(person), events.forward(text))


def _notify_thread(reply: Message, parent: Message) -> None:
    """Everyone who started the thread or replied in it, but the reply's author, is told of
    it (by email when they stay away; someone it also mentions was told already)."""
    repliers = Message.objects.filter(parent=parent).values_list("author_id", flat=True)
    people = ({parent.author_id} | set(repliers)) - {reply.author_id}
    _record_notifications(reply, sorted(people), Notification.Reason.REPLY)


def _notify_direct(message: Message) -> None:
    """The other members of a direct conversation are told of every message (by email when
    they stay away; someone it also mentions was told already)."""
    people = sorted(message.room.member_ids - {message.author_id})
    _record_notifications(message, people, Notification.Reason.DIRECT)


def _record_notifications(message: Message, user_ids: list[int], reason: str) -> None:
    """The outbox rows the notification emails are sent from, in the message's transaction;
    one per person and message, whatever told them first."""
    Notification.objects.bulk_create(
        [Notification(message=message, user_id=pk, reason=reason) for pk in user_ids],
        ignore_conflicts=True,
    )


def _change(
    message: Message, apply: Callable[[Message], None], *, requeue: bool = False
) -> Message:
    """Change a message as the room's next event: lock, `apply(locked)`, save, publish.
    Must run inside a transaction; the frame carries the event so clients drop stale ones.
    A question's change reaches the help queue too (`requeue`: even if its text, replies and
    status did not change: a claim)."""
    room, author = message.room, message.author
    event = _next_event(room)
    locked = (
        Message.objects.select_related("card", "verified_by")
        .select_for_update(of=("self",))
        .get(pk=message.pk)
    )
    locked.room, locked.author = room, author
    before = _queue_state(locked)
    apply(locked)
    locked.event = event
    locked.save()
    text = room_events.message_frame("message_changed", locked)
    events.publish_on_commit(room_events.room_group(room), events.forward(text))
    _publish_queue(locked, before, requeue=requeue)
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
        from chat.actions.previews import relink

        MessageEdit.objects.create(message=locked, body=locked.body)
        locked.body, locked.body_html, locked.edited_at = body, html, timezone.now()
        _notify_mentions(locked, body)  # as Zulip does: a mention added by an edit notifies
        relink(locked, body)  # a link added by an edit gets its card
        metrics.written("message_edited")

    with transaction.atomic():
        return _change(message, apply)


def delete_message(*, message: Message, user: User) -> Message:
    own = message.author_id == user.pk and policies.can_view_space(user, message.room)
    if not (own or policies.can_moderate(user, message.room)):
        raise PermissionDenied("You can delete only your own messages.")
    if message.is_deleted:
        return message

    unpinned: list[bool] = []

    def apply(locked: Message) -> None:
        from chat.actions.attachments import delete_files_of

        locked.deleted_at = timezone.now()
        locked.body, locked.body_html = "", ""
        MessageEdit.objects.filter(message=locked).delete()
        MessagePreview.objects.filter(message=locked).delete()
        delete_files_of(locked)  # a deleted message keeps nothing it carried
        if locked.pinned_at is not None:  # a deleted message leaves the pinned list
            locked.pinned_at, locked.pinned_by = None, None
            unpinned.append(True)

    with transaction.atomic():
        deleted = _change(message, apply)
        if unpinned:
            text = room_events.pins_frame(deleted.room, deleted.event)
            events.publish_on_commit(room_events.room_group(deleted.room), events.forward(text))
        return deleted


def resolve_thread(*, message: Message, user: User, resolved: bool = True) -> Message:
    """Resolve (or reopen) a question. A thread promoted to a challenge card moves its card
    into its board's last column (or out of it), in the same transaction."""
    if message.parent_id is not None:
        raise ValidationError("Resolve the thread's first message, not a reply.")
    if not policies.can_resolve(user, message):
        raise PermissionDenied("Only the asker, the room's owners and mentors can resolve this.")
    from boards.actions import challenges

    with transaction.atomic():
        changed = set_resolved(message=message, user=user, resolved=resolved)
        challenges.card_follows_thread(changed, user)  # never back here: no loop
        return changed


def set_resolved(*, message: Message, user: User, resolved: bool) -> Message:
    """The change itself, inside the caller's transaction (the caller checked who may):
    resolve_thread, or a card moved in or out of its board's last column."""
    before: list[bool] = []

    def apply(locked: Message) -> None:
        before.append(locked.resolved_at is not None)
        locked.resolved_at = timezone.now() if resolved else None

    changed = _change(message, apply)
    if resolved and not before[0]:
        outbox.question_resolved(changed, user)
    return changed
