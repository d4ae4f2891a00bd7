"""The rooms' live side: group names, the frames of each change (rendered once, for every
socket) and the catch-up of a room socket that was away."""

import functools
import threading
from collections import OrderedDict

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from accounts.models import User
from chat.models import Attachment, Message, MessagePreview, Room
from chat.queries import MESSAGE_RELATED, pinned_messages, previews
from nexus_live.context_processors import all_limits
from nexus_live.events import frame

CATCH_UP_MAX = 200  # events in one catch-up; further behind, the client reloads over HTTP
_FRAME_CACHE_SIZE = 2000


def room_group(room: Room | int) -> str:
    return f"room-{getattr(room, 'pk', room)}"


def activity_group(room: Room | int) -> str:
    """The people who follow a room's unread count (from any page) listen here."""
    return f"room-activity-{getattr(room, 'pk', room)}"


def user_group(user: User | int) -> str:
    """A person's /ws/me/ sockets: unread counts and mentions."""
    return f"user-{getattr(user, 'pk', user)}"


# --- Messages ----------------------------------------------------------------------------------
def render_message(message: Message) -> str:
    return _message_template().render({"message": message})


def _message_template():
    """The message partial, looked up once per process (every new message renders it); in
    development, every time, so that an edited template shows at once."""
    if settings.DEBUG:
        return get_template("chat/room.html#message")
    return _message_template_once()


@functools.cache
def _message_template_once():
    return get_template("chat/room.html#message")


def attachment_data(attachment: Attachment, room_slug: str) -> dict:
    """A file as JSON: what the message shows of it, and where to fetch it (with the same
    session or token: never a public URL)."""
    url = reverse("chat:attachment", args=[room_slug, attachment.pk])
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "image": attachment.is_image,
        "width": attachment.width,
        "height": attachment.height,
        "url": url,
        "thumbnail_url": f"{url}/thumbnail" if attachment.is_image else None,
    }


def preview_data(shown: MessagePreview, room_slug: str) -> dict:
    """A link's preview card as JSON: what the page shows of it (`image_url`: our own copy,
    fetched with the same session or token)."""
    preview = shown.preview
    image_url = None
    if preview.image:
        image_url = reverse("chat:preview_image", args=[room_slug, shown.pk])
    return {
        "id": shown.pk,
        "url": preview.url,
        "title": preview.title,
        "description": preview.description,
        "site_name": preview.site_name,
        "image_url": image_url,
        "image_width": preview.image_width if image_url else None,
        "image_height": preview.image_height if image_url else None,
    }


def message_data(message: Message) -> dict:
    """A message as JSON, for API clients: what the partial shows, as data."""
    deleted = message.is_deleted
    return {
        "id": message.pk,
        "room": message.room_id,
        "seq": message.seq,
        "event": message.event,
        "author": {"id": message.author_id, "name": message.author.name},
        "client_id": message.client_id,
        "parent": message.parent_id,
        "body": message.body,
        "body_html": message.body_html,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at and not deleted else None,
        "deleted": deleted,
        "resolved": message.resolved_at is not None,
        "reply_count": message.reply_count,
        "pinned": message.pinned_at is not None,
        **_loop_data(message),
        "reactions": [
            {
                "emoji": reaction["emoji"],
                "count": reaction["count"],
                "users": [int(pk) for pk in reaction["user_ids"].split(",")],
            }
            for reaction in message.reaction_summary
        ],
        "attachments": []
        if deleted
        else [attachment_data(file, message.room.slug) for file in message.attachment_list],
        "previews": [preview_data(shown, message.room.slug) for shown in message.preview_list],
    }


def _loop_data(message: Message) -> dict:
    """The learning loop's part (decision 019): `accepted` (this reply is its thread's
    accepted answer), `verified` ({by, at}: a mentor verified it), `answer` (a thread's first
    message: its accepted reply) and `card` (the challenge card it was promoted to)."""
    from boards.events import verified_data

    card = message.challenge_card
    return {
        "accepted": message.accepted_at is not None,
        "verified": verified_data(message) if message.accepted_at else None,
        "answer": message.answer_id,
        "card": None
        if card is None
        else {"id": card.pk, "board": card.board_id, "url": card.get_absolute_url()},
    }


# Built frames by (message, event): a change is rendered once, however many catch-ups ask.
# The creation time is in the key so that a reused id (a restored database) never hits.
_frames: OrderedDict[tuple, str] = OrderedDict()
_frames_lock = threading.Lock()


def message_frame(kind: str, message: Message) -> str:
    """`message` (new) or `message_changed`, as every socket sends it."""
    key = (message.pk, message.event, kind, message.created_at)
    with _frames_lock:
        text = _frames.get(key)
        if text is not None:
            _frames.move_to_end(key)
            return text
    text = frame(
        kind,
        event=message.event,
        id=message.pk,
        seq=message.seq,
        client_id=message.client_id,
        parent=message.parent_id,
        html=render_message(message),
        data=message_data(message),
    )
    with _frames_lock:
        _frames[key] = text
        while len(_frames) > _FRAME_CACHE_SIZE:
            _frames.popitem(last=False)
    return text


def room_data(room: Room) -> dict:
    """A room as JSON, for API clients: what its header shows, as data."""
    data = {
        "id": room.pk,
        "name": room.name,
        "topic": room.topic,
        "archived": room.is_archived,
        "private": room.is_private,
    }
    if room.is_direct:
        data.update(direct_data(room))
    return data


def room_frame(room: Room) -> str:
    """The room's header (topic, archived; a direct conversation's name and people), after it
    changed: the same for every socket (a DM's lists all its people; the page hides its own
    person)."""
    context: dict[str, object] = {"room": room, "limits": all_limits()}
    if room.is_direct:
        people = direct_members(room)
        context.update(dm_people=people, dm_others=max(0, len(people) - 1), dm_everyone=True)
    html = render_to_string("chat/room.html#header", context)
    return frame("room", id=room.pk, html=html, data=room_data(room))


# --- Direct conversations: on their people's own sockets ---------------------------------------
def direct_members(room: Room) -> list[User]:
    """Everyone in a direct conversation now, by name."""
    members = room.members.select_related("user").order_by("user__display_name", "user_id")
    return [member.user for member in members]


def direct_data(room: Room, people: list[User] | None = None) -> dict:
    people = direct_members(room) if people is None else people
    return {
        "id": room.pk,
        "slug": room.slug,
        "url": room.get_absolute_url(),
        "title": room.title,
        "group": room.is_group,
        "people": [{"id": person.pk, "name": person.name} for person in people],
    }


def direct_frame(room: Room, *, left: bool = False) -> str:
    """A direct conversation as its people's /dm/ list and sidebar show it (opened, named, or
    someone left), rendered once for all of them: every person is in the html, and each page
    hides its own (`data-person`). `left`: to the one who left, whose pages drop it."""
    people = [] if left else direct_members(room)
    data = {**direct_data(room, people), "left": left}
    if left:
        return frame("direct", id=room.pk, left=True, html="", data=data)
    context = {"room": room, "people": people, "url": room.get_absolute_url()}
    html = render_to_string("chat/direct_entry.html", context)
    return frame("direct", id=room.pk, html=html, data=data)


def pins_data(room: Room, pinned: list[Message]) -> dict:
    return {
        "room": room.pk,
        "pinned": [
            {
                "id": message.pk,
                "seq": message.seq,
                "author": {"id": message.author_id, "name": message.author.name},
                "body": message.body,
                "url": message.get_absolute_url(),
                "pinned_at": message.pinned_at.isoformat(),
            }
            for message in pinned
        ],
    }


def render_pins(room: Room, pinned: list[Message], event: int) -> str:
    """The pinned list as of room event `event` (the page drops an older list that is late)."""
    context = {"room": room, "pinned": pinned, "event": event}
    return render_to_string("chat/pins.html#pins", context)


def pins_frame(room: Room, event: int) -> str:
    """The room's pinned list after a pin, an unpin or a pinned message's deletion (the room
    event of that change), rendered once for every socket."""
    pinned = pinned_messages(room)
    return frame(
        "pins",
        event=event,
        room=room.pk,
        html=render_pins(room, pinned, event),
        data=pins_data(room, pinned),
    )


def typing_frame(room: Room, user: User) -> str:
    data = {"room": room.pk, "user": user.pk, "name": user.name}
    return frame("typing", user=user.pk, data=data)


# --- A person's own socket: unread counts and mentions -----------------------------------------
def activity_frame(room_pk: int, seq: int) -> str:
    return frame("activity", room=room_pk, seq=seq, data={"room": room_pk, "seq": seq})


def read_frame(room_pk: int, seq: int, *, direct: bool = False) -> str:
    """`direct`: a direct conversation just opened (the navigation counts it apart)."""
    if direct:
        data = {"room": room_pk, "seq": seq, "direct": True}
        return frame("read", room=room_pk, seq=seq, direct=True, data=data)
    return frame("read", room=room_pk, seq=seq, data={"room": room_pk, "seq": seq})


def mention_frame(count: int, message: Message | None = None, *, comment=None) -> str:
    """The person's unseen mention count, and what just mentioned them: a message (with its
    room and seq: the sidebar's per-room badge) or a card comment (boards.Comment)."""
    data: dict[str, object] = {"count": count}
    if comment is not None:
        data.update(
            comment=comment.pk,
            card=comment.card_id,
            card_title=comment.card.title,
            board=comment.board.name,
            board_id=comment.board_id,
            author=comment.author.name if comment.author else "Someone",
            url=comment.get_absolute_url(),
        )
        return frame("mention", count=count, card=comment.card_id, data=data)
    if message is None:
        return frame("mention", count=count, data=data)
    data.update(
        message=message.pk,
        room=message.room.name,
        room_id=message.room_id,
        seq=message.seq,
        author=message.author.name,
        url=message.get_absolute_url(),
    )
    return frame("mention", count=count, room=message.room_id, seq=message.seq, data=data)


# --- Catch-up ----------------------------------------------------------------------------------
def events_since(room: Room, since: int) -> list[str]:
    """The current form of every message created or changed after room event `since`, in
    event order, then `synced`; at most CATCH_UP_MAX, else `reset` (reload over HTTP)."""
    last_event, last_seq = Room.objects.values_list("last_event", "last_seq").get(pk=room.pk)
    changed = Message.objects.filter(room=room, event__gt=since, event__lte=last_event)
    if changed.count() > CATCH_UP_MAX:
        return [frame("reset", event=last_event, reason="too far behind: reload the page")]
    messages = changed.select_related(*MESSAGE_RELATED).prefetch_related(
        "reactions__user", "attachments", previews()
    )
    frames = [message_frame("message", message) for message in messages.order_by("event")]
    return [*frames, frame("synced", event=last_event, seq=last_seq)]


# --- The mentor help queue (decision 023) ------------------------------------------------------
QUEUE_PUBLIC = "queue-public"


def queue_group(room: Room) -> str | None:
    """Where a room's queue changes go: its visibility, not the room itself, so that a queue
    socket joins a few groups (public, each of its person's teams) whatever the rooms, and a
    room made later is heard at once. A direct conversation has no queue."""
    if room.is_direct:
        return None
    if not room.is_private:
        return QUEUE_PUBLIC
    return f"queue-team-{room.team_id}"


def queue_groups(user: User) -> list[str]:
    """The groups a mentor's queue socket listens to: exactly the rooms they may see."""
    teams = user.memberships.values_list("team_id", flat=True).order_by("team_id")
    return [QUEUE_PUBLIC, *(f"queue-team-{pk}" for pk in teams)]


def queue_data(question: Message) -> dict:
    """A question as the queue shows it (`chat.queries.queue_question` loads what it needs):
    the REST API's and GraphQL's shape too."""
    from boards.actions.challenges import question_title

    first = question.first_reply_at
    return {
        "id": question.pk,
        "event": question.event,
        "room": {"id": question.room_id, "slug": question.room.slug, "name": question.room.name},
        "author": {"id": question.author_id, "name": question.author.name},
        "title": question_title(question.body),
        "url": question.thread_url,
        "asked_at": question.created_at.isoformat(),
        "reply_count": question.reply_count,
        "replied": first is not None,
        "first_reply_at": first.isoformat() if first else None,
        "resolved": question.resolved_at is not None,
        "claims": [
            {"user": {"id": c.user_id, "name": c.user.name}, "at": c.created_at.isoformat()}
            for c in question.claim_list
        ],
    }


def render_queue_item(question: Message) -> str:
    """One question of the queue, rendered once for every mentor (who may claim is theirs to
    see: the page's script shows "I'm on it" or "Leave it" by the claimers' ids)."""
    from boards.actions.challenges import question_title

    question.title = question_title(question.body)
    return render_to_string("chat/queue.html#item", {"question": question})


def queue_item_frame(question: Message) -> str:
    """An open question, new or changed (a reply, a claim, an edit, reopened)."""
    return frame(
        "queue_item",
        event=question.event,
        id=question.pk,
        room=question.room_id,
        html=render_queue_item(question),
        data=queue_data(question),
    )


def queue_removed_frame(question: Message) -> str:
    """A question left the queue: resolved, deleted, no longer asking."""
    data = {"id": question.pk, "room": question.room_id, "event": question.event}
    return frame(
        "queue_removed", event=question.event, id=question.pk, room=question.room_id, data=data
    )


def queue_frame(user: User) -> str:
    """The person's whole queue, as it is now: a queue socket's first frame (and after `sync`
    or an access change)."""
    from chat.queries import help_queue

    questions = help_queue(user)
    from boards.actions.challenges import question_title

    for question in questions:
        question.title = question_title(question.body)
    html = render_to_string("chat/queue.html#list", {"questions": questions})
    return frame("queue", html=html, data={"questions": [queue_data(q) for q in questions]})
