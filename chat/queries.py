"""Every non-trivial read of rooms and messages: timelines, open questions, unread counts,
mentions, search. Pages, sockets and (later) the API ask here; nothing here writes."""

import datetime
import re
import statistics

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts import policies
from accounts.models import User
from boards.models import Board
from chat.models import (
    Attachment,
    Mention,
    Message,
    MessagePreview,
    QuestionClaim,
    Room,
    RoomMember,
    RoomVisit,
)
from nexus_live.text import SEARCH_CONFIG, search_text

PAGE = 50  # messages per page of a timeline
SEARCH_LIMIT = 50
SEARCH_CANDIDATES = 2000  # the newest matches ranked; older ones wait for more precise words


# What rendering a message reads besides itself: its card chip and verifier come along.
MESSAGE_RELATED = ("author", "room", "card", "verified_by")


def previews(prefix: str = "") -> Prefetch:
    """The link preview cards of messages (`prefix`: the path to them), one query."""
    shown = MessagePreview.objects.filter(removed_at=None).select_related("preview")
    return Prefetch(f"{prefix}previews", queryset=shown)


def preview_for(room: Room, preview_id: int) -> MessagePreview | None:
    """A link preview card shown on a message of `room` (not removed, the message not
    deleted): what the room's people may fetch the image of."""
    return (
        MessagePreview.objects.filter(
            pk=preview_id, message__room=room, message__deleted_at=None, removed_at=None
        )
        .select_related("preview")
        .first()
    )


def messages_of(room: Room) -> QuerySet[Message]:
    """A room's messages with what rendering them needs, in a fixed number of queries."""
    return (
        Message.objects.filter(room=room)
        .select_related(*MESSAGE_RELATED)
        .prefetch_related("reactions__user", "attachments", previews())
    )


def visible_rooms(user: User) -> QuerySet[Room]:
    """The rooms a person may see, with where they stand in each (`unread`, `last_read_seq`)."""
    return Room.objects.visible_to(user).with_unread(user).select_related("team")


def room_for(user: User, slug: str) -> Room:
    """A room the person may see; another is as absent as one that does not exist (Http404)."""
    return get_object_or_404(visible_rooms(user), slug=slug)


def message_page(
    room: Room,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE,
    thread: int | None = None,
) -> tuple[list[Message], bool]:
    """A page of a room's messages by seq, oldest first, and whether there are more in the
    direction asked: `after` pages forward (catch-up, replies included), else back from
    `before` (default: the newest; replies left out, they live in their thread). `thread`:
    only that thread's first message and its replies."""
    messages = messages_of(room)
    if thread is not None:
        messages = messages.filter(pk=thread) | messages.filter(parent_id=thread)
    elif after is None:
        messages = messages.filter(parent__isnull=True)
    if after is not None:
        page = list(messages.filter(seq__gt=after).order_by("seq")[: limit + 1])
        return page[:limit], len(page) > limit
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages.order_by("-seq")[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def timeline(room: Room) -> QuerySet[Message]:
    """Messages of the main timeline: a thread's replies live in the thread."""
    return messages_of(room).filter(parent__isnull=True)


def open_questions(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Not resolved, not deleted, and either asking (a "?") or discussed (has replies)."""
    return messages.filter(resolved_at__isnull=True, deleted_at__isnull=True).filter(
        Q(body__contains="?") | Q(reply_count__gt=0)
    )


# --- The mentor help queue (decision 023) ------------------------------------------------------
QUEUE_LIMIT = 200  # the oldest open questions a queue shows


def queue_rooms(user: User) -> QuerySet[Room]:
    """The rooms whose open questions a mentor's queue holds: rooms they can see (and so
    moderate), not direct conversations, not archived (read only: nobody can answer)."""
    return Room.objects.visible_to(user).rooms().filter(is_archived=False)


def is_queued(message: Message) -> bool:
    """Whether `message` belongs in the help queue: an open question (`open_questions`) of a
    room that is not archived nor a direct conversation. No query (the room is loaded)."""
    room = message.room
    return (
        message.parent_id is None
        and message.deleted_at is None
        and message.resolved_at is None
        and ("?" in message.body or message.reply_count > 0)
        and room.kind == Room.Kind.ROOM
        and not room.is_archived
    )


def _queue_questions() -> QuerySet[Message]:
    """Questions with what the queue shows of them: the first reply by someone other than the
    asker (`first_reply_at`) and the mentors on it (`claim_list`), in two queries."""
    others = Message.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True).filter(
        ~Q(author=OuterRef("author"))
    )
    claims = QuestionClaim.objects.select_related("user").order_by("created_at", "pk")
    return (
        Message.objects.filter(parent__isnull=True)
        .select_related("author", "room")
        .annotate(first_reply_at=Subquery(others.order_by("created_at").values("created_at")[:1]))
        .prefetch_related(Prefetch("claims", queryset=claims, to_attr="claim_list"))
    )


def help_queue(user: User, limit: int = QUEUE_LIMIT) -> list[Message]:
    """Every open question in the rooms a mentor can see, oldest first (at most `limit`);
    nothing for anyone else."""
    if not policies.can_see_queue(user):
        return []
    rooms = queue_rooms(user).values("pk")
    found = open_questions(_queue_questions().filter(room__in=rooms))
    return list(found.order_by("created_at", "pk")[:limit])


def questions_visible_to(user: User) -> QuerySet[Message]:
    """Threads' first messages in the rooms a person may see (what a claim looks up)."""
    visible = Room.objects.visible_to(user).values("pk")
    return Message.objects.select_related("room", "author").filter(
        parent__isnull=True, room__in=visible
    )


def queue_question(message_id: int) -> Message | None:
    """One thread's first message as the queue shows it (open or not), or None."""
    return _queue_questions().filter(pk=message_id).first()


# --- Response times: per room and week (decision 023) -------------------------------------------
TIMES_WEEKS = 12  # weeks back, this one included
TIMES_ROWS_MAX = 50_000  # questions read at most (the newest): the page stays bounded


def _week_of(moment: datetime.datetime) -> datetime.date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.astimezone(datetime.UTC).date()
    return day - datetime.timedelta(days=day.weekday())


def _spread(values: list[float]) -> dict[str, float] | None:
    """Median and 90th percentile (linear between the nearest ranks) of seconds; None if none."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return {"median": ordered[0], "p90": ordered[0]}
    p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8]
    return {"median": statistics.median(ordered), "p90": p90}


def response_times(user: User, *, weeks: int = TIMES_WEEKS, now=None) -> dict:
    """Per room a mentor can see and per week (the question's, Monday UTC) of the last `weeks`:
    how many questions were asked, the time to a first reply by someone other than the asker
    and the time to resolution (median and p90, in seconds, of those that got one). Rooms
    without a question in those weeks are left out."""
    from django.utils import timezone

    now = now or timezone.now()
    this_week = _week_of(now)
    starts = [this_week - datetime.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    since = datetime.datetime.combine(starts[0], datetime.time(), tzinfo=datetime.UTC)
    others = Message.objects.filter(parent=OuterRef("pk"), deleted_at__isnull=True).filter(
        ~Q(author=OuterRef("author"))
    )
    visible = Room.objects.visible_to(user).rooms()
    asked = Message.objects.filter(
        parent__isnull=True, deleted_at__isnull=True, created_at__gte=since
    ).filter(room__in=visible.values("pk"))
    questions = (
        asked.filter(Q(body__contains="?") | Q(reply_count__gt=0))
        .annotate(first_reply_at=Subquery(others.order_by("created_at").values("created_at")[:1]))
        .order_by("-created_at")
        .values_list("room_id", "created_at", "first_reply_at", "resolved_at")[:TIMES_ROWS_MAX]
    )
    cells: dict[tuple[int, datetime.date], dict[str, list]] = {}
    for room_id, asked_at, replied, resolved in questions:
        week = _week_of(asked_at)
        cell = cells.setdefault((room_id, week), {"asked": 0, "reply": [], "done": []})
        cell["asked"] += 1
        if replied is not None:
            cell["reply"].append((replied - asked_at).total_seconds())
        if resolved is not None:
            cell["done"].append((resolved - asked_at).total_seconds())
    empty = {"asked": 0, "reply": [], "done": []}
    result = []
    for room in Room.objects.filter(pk__in={pk for pk, _ in cells}).order_by("name"):
        rows = []
        for week in starts:
            cell = cells.get((room.pk, week), empty)
            rows.append(
                {
                    "week": week.isoformat(),
                    "asked": cell["asked"],
                    "replied": len(cell["reply"]),
                    "first_reply": _spread(cell["reply"]),
                    "resolved": len(cell["done"]),
                    "resolution": _spread(cell["done"]),
                }
            )
        result.append({"id": room.pk, "slug": room.slug, "name": room.name, "weeks": rows})
    return {"weeks": [week.isoformat() for week in starts], "rooms": result}


def latest_page(messages: QuerySet[Message]) -> list[Message]:
    return list(messages.order_by("-seq")[:PAGE])[::-1]


def page_around(messages: QuerySet[Message], seq: int) -> list[Message]:
    """A permalink's page: half before the message, the message and what follows."""
    page = list(messages.filter(seq__lt=seq).order_by("-seq")[: PAGE // 2])[::-1]
    return page + list(messages.filter(seq__gte=seq).order_by("seq")[: PAGE // 2])


def page_before(messages: QuerySet[Message], seq: int) -> list[Message]:
    return list(messages.filter(seq__lt=seq).order_by("-seq")[:PAGE])[::-1]


def page_after(messages: QuerySet[Message], seq: int) -> list[Message]:
    return list(messages.filter(seq__gt=seq).order_by("seq")[:PAGE])


def last_read_seq(room: Room, user: User) -> int:
    """How far the person has read (a room never opened: everything counts as read)."""
    visit = RoomVisit.objects.filter(room=room, user=user).values_list("last_read_seq", flat=True)
    read = visit.first()
    return room.last_seq if read is None else read


# --- Unread counts and mentions ----------------------------------------------------------------
def followed_rooms(user: User) -> list[Room]:
    """The rooms whose unread count the person follows (opened once) and may still see."""
    rooms = Room.objects.filter(visits__user=user).select_related("team")
    rooms = rooms.prefetch_related("members")  # direct conversations: who is in them
    return [room for room in rooms if policies.can_view_space(user, room)]


def followed(user: User) -> list[dict[str, object]]:
    """The rooms a person follows (opened once) and may still see, by name, with where they
    stand in each: `id`, `name`, `slug`, `is_private`, `last_seq`, `read` (their read mark),
    `kind` ("room" or "direct": the sidebar lists direct conversations apart)."""
    visible = Room.objects.visible_to(user).values("pk")
    rows = RoomVisit.objects.filter(user=user, room__in=visible).order_by("room__name")
    fields = ("id", "name", "slug", "is_private", "last_seq", "read", "kind", "title")
    values = rows.values_list(
        "room_id", "room__name", "room__slug", "room__is_private", "room__last_seq",
        "last_read_seq", "room__kind", "room__title",
    )  # fmt: skip
    return [dict(zip(fields, row, strict=True)) for row in values]


MENTIONS_MAX = 1000  # unseen mentions counted per person: the badge stops at this


def nav_state(user: User, rooms: list[dict[str, object]] | None = None) -> dict[str, object]:
    """What the navigation's counts are computed from, on the page and in app.js:
    rooms: {room id: [last seq, read mark]} of the rooms the person follows and may see;
    mentions: unseen @mentions in rooms they may see (at most MENTIONS_MAX); mentioned:
    {room id: [seq…]}, those of them in messages not read yet (a room's mention badge);
    direct: [room id…], which of the rooms are direct conversations (counted apart)."""
    rooms = followed(user) if rooms is None else rooms
    read_marks = {room["id"]: room["read"] for room in rooms}
    unseen = unseen_mentions(user).order_by("-created_at", "-pk")[:MENTIONS_MAX]
    rows = list(unseen.values_list("message__room_id", "message__seq"))
    mentioned: dict[str, list[int]] = {}
    for room, seq in rows:  # a card comment's mention has no room: the total counts it
        if room in read_marks and seq > read_marks[room]:
            mentioned.setdefault(str(room), []).append(seq)
    return {
        "rooms": {str(room["id"]): [room["last_seq"], room["read"]] for room in rooms},
        "mentions": len(rows),
        "mentioned": mentioned,
        "direct": [room["id"] for room in rooms if room.get("kind") == "direct"],
    }


def _mentions_in_sight(user: User) -> QuerySet[Mention]:
    """The person's mentions they may still see: in messages of rooms they see, or in card
    comments (not deleted) of boards they see — a removed member counts neither."""
    rooms = Room.objects.visible_to(user).values("pk")
    boards = Board.objects.visible_to(user).values("pk")
    return Mention.objects.filter(
        Q(message__room__in=rooms) | Q(comment__board__in=boards, comment__deleted_at__isnull=True),
        user=user,
    )


def unseen_mentions(user: User) -> QuerySet[Mention]:
    return _mentions_in_sight(user).filter(seen_at__isnull=True)


COMMENT_RELATED = ("comment__author", "comment__card__board", "comment__board")


def mentions_of(user: User, limit: int = 100) -> QuerySet[Mention]:
    """Where the person was @mentioned, messages and card comments together, newest first,
    in rooms and boards they may still see."""
    return (
        _mentions_in_sight(user)
        .select_related(*(f"message__{name}" for name in MESSAGE_RELATED), *COMMENT_RELATED)
        .prefetch_related(
            "message__reactions__user",
            "message__attachments",
            previews("message__"),
            "comment__mentions",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")


def mentioned_people(room: Room, body: str) -> list[User]:
    """@alice matches the person whose email starts alice@, or whose display name is Alice;
    only people who can see the room."""
    handles = {handle.rstrip(".").lower() for handle in MENTION.findall(body)}
    if not handles:
        return []
    match = Q()
    for handle in handles:
        match |= Q(email__istartswith=f"{handle}@") | Q(display_name__iexact=handle)
    candidates = User.objects.filter(match, is_active=True)
    return [person for person in candidates if policies.can_view_space(person, room)]


def attachment_for(user: User, room: Room, pk: int) -> Attachment | None:
    """A file of `room` (which the caller made sure `user` may see) that `user` may fetch: one
    posted in a message that was not deleted, or their own upload not sent yet."""
    attachment = Attachment.objects.select_related("message").filter(pk=pk, room=room).first()
    if attachment is None:
        return None
    if attachment.message is None:
        return attachment if attachment.uploader_id == user.pk else None
    return None if attachment.message.is_deleted else attachment


PEOPLE_LIMIT = 8  # suggestions for one @mention


def people_for_mention(room: Room, text: object, *, exclude: User) -> list[dict[str, object]]:
    """Up to PEOPLE_LIMIT people who can see `room` whose name or handle starts with `text`
    (a direct conversation: its members; a private room: its team; a public one: everyone
    signed up), by name. `handle` is what
    to type after @ (mentioned_people reads it back): their display name if it is one word a
    mention can hold, else their email's local part."""
    text = str(text or "").strip().lstrip("@")[:64]
    people = User.objects.filter(is_active=True).exclude(pk=exclude.pk)
    if room.is_direct:
        people = people.filter(direct_memberships__room=room)
    elif room.is_private:
        if room.team_id is None:
            return []
        people = people.filter(memberships__team_id=room.team_id)
    if text:
        people = people.filter(Q(display_name__istartswith=text) | Q(email__istartswith=text))
    found = []
    for person in people.order_by("display_name", "email")[:PEOPLE_LIMIT]:
        local = person.email.split("@")[0]
        name_fits = MENTION.fullmatch(f"@{person.display_name}") is not None
        found.append({
            "id": person.pk,
            "name": person.name,
            "handle": person.display_name if name_fits else local,
        })  # fmt: skip
    return found


# --- Direct conversations and pins --------------------------------------------------------------
def direct_conversations(user: User) -> list[dict[str, object]]:
    """The person's direct conversations, latest activity first, in two queries: `id`,
    `slug`, `url`, `title` (its name, else the other people's names), `name` (the name its
    people gave it, or ""), `group` (3+ people: named and left), `others` [{id, name}], `unread`,
    `last_seq`, `read` (their read mark), `last_activity` (the newest message's time, else
    when it was opened)."""
    if not user.is_authenticated or not user.is_active:
        return []
    newest = Message.objects.filter(room=OuterRef("pk")).order_by("-seq").values("created_at")
    mine = RoomMember.objects.filter(user=user).values("room_id")
    members = RoomMember.objects.select_related("user").order_by("user__display_name", "user_id")
    rooms = (
        Room.objects.filter(kind=Room.Kind.DIRECT, pk__in=mine)
        .with_unread(user)
        .annotate(last_activity=Coalesce(Subquery(newest[:1]), F("created_at")))
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("-last_activity", "-pk")
    )
    conversations = []
    for room in rooms:
        others = [m.user for m in room.members.all() if m.user_id != user.pk]
        conversations.append(
            {
                "id": room.pk,
                "slug": room.slug,
                "url": room.get_absolute_url(),
                "title": room.title or ", ".join(person.name for person in others),
                "name": room.title,
                "group": room.is_group,
                "others": [{"id": person.pk, "name": person.name} for person in others],
                "unread": max(0, room.unread or 0),
                "last_seq": room.last_seq,
                "read": room.last_read_seq if room.last_read_seq is not None else room.last_seq,
                "last_activity": room.last_activity,
            }
        )
    return conversations


def direct_titles(user: User, room_ids: list[int]) -> dict[int, str]:
    """{room id: the other people's names} of these direct conversations, in one query (the
    sidebar's list: the rooms themselves come from `followed`)."""
    if not room_ids:
        return {}
    members = RoomMember.objects.filter(room_id__in=room_ids).exclude(user=user)
    names: dict[int, list[str]] = {room_id: [] for room_id in room_ids}
    for member in members.select_related("user").order_by("user__display_name", "user_id"):
        names[member.room_id].append(member.user.name)
    return {room_id: ", ".join(people) or user.name for room_id, people in names.items()}


def direct_people(room: Room, user: User) -> list[User]:
    """Who else is in a direct conversation, by name (its page's header)."""
    members = room.members.exclude(user=user).select_related("user")
    return [m.user for m in members.order_by("user__display_name", "user_id")]


def teammates(user: User, limit: int = 100) -> QuerySet[User]:
    """People the person shares a team with: the New message form offers them first."""
    teams = user.memberships.values("team_id")
    return (
        User.objects.filter(is_active=True, memberships__team__in=teams)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("display_name", "email")[:limit]
    )


def people_named(text: str, *, limit: int = 8) -> list[User]:
    """The people a "To" field names, comma-separated, each by email or display name
    (either exactly, any case). A name nobody has, or that two people share, is an error
    that says which."""
    wanted = [part.strip() for part in str(text).replace("\n", ",").split(",") if part.strip()]
    if len(wanted) > limit:
        raise ValidationError(f"Name at most {limit} people.")
    found: list[User] = []
    problems = []
    for part in wanted:
        matches = list(
            User.objects.filter(is_active=True)
            .filter(Q(email__iexact=part) | Q(display_name__iexact=part))
            .order_by("pk")[:2]
        )
        if not matches:
            problems.append(f"nobody is called {part!r}")
        elif len(matches) > 1:
            problems.append(f"more than one person is called {part!r}: use their email")
        elif matches[0] not in found:
            found.append(matches[0])
    if problems:
        raise ValidationError("Not sent: " + "; ".join(problems) + ".")
    return found


def pinned_messages(room: Room) -> list[Message]:
    """A room's pinned messages, the latest pinned first."""
    pinned = Message.objects.filter(room=room, pinned_at__isnull=False, deleted_at__isnull=True)
    found = list(pinned.select_related("author").order_by("-pinned_at")[:100])
    for message in found:
        message.room = room
    return found


# --- Search ------------------------------------------------------------------------------------
def search_messages(user: User, text: str) -> QuerySet[Message] | list[Message]:
    """The best matches among the messages of the rooms `user` can see: PostgreSQL full-text
    search, a plain substring match on SQLite."""
    text = search_text(text)
    if not text:
        return []
    rooms = Room.objects.visible_to(user).values("pk")
    found = (
        Message.objects.filter(room__in=rooms, deleted_at__isnull=True)
        .select_related(*MESSAGE_RELATED)
        .prefetch_related("reactions__user", "attachments", previews())
    )
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        vector = SearchVector("body", config=SEARCH_CONFIG)
        # The index finds every match; ranking reads each one's text. A common word matches
        # most of a room: rank the newest SEARCH_CANDIDATES matches, not all of them.
        newest = (
            Message.objects.filter(room__in=rooms, deleted_at__isnull=True)
            .annotate(document=vector)
            .filter(document=query)
            .order_by("-pk")
            .values("pk")[:SEARCH_CANDIDATES]
        )
        return (
            found.filter(pk__in=newest)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-created_at")[:SEARCH_LIMIT]
        )
    for word in text.split():
        found = found.filter(body__icontains=word)
    return found.order_by("-created_at")[:SEARCH_LIMIT]
