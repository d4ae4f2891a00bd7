"""Room pages and their HTTP endpoints. Thin: who is asking, may they, parse, call an action."""

import uuid

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policies
from accounts.models import Team
from chat import actions
from chat.forms import RoomForm
from chat.models import Mention, Message, Room, RoomVisit
from chat.search import search_messages
from nexus_live.text import as_int

PAGE = 50


def _get_room_for_user(request: HttpRequest, slug: str) -> Room:
    room = get_object_or_404(Room.objects.select_related("team"), slug=slug)
    if not policies.can_view_space(request.user, room):
        raise Http404("No such room")
    return room


def _seq_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        return as_int(value)
    except ValidationError:
        raise ValidationError(f"{name} must be a whole number.") from None


@login_required
def rooms(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.contributable_by(request.user)
    form = RoomForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.create_room(user=request.user, **form.room_fields())
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect(room)
    visible = (
        Room.objects.visible_to(request.user)
        .with_unread(request.user)
        .select_related("team")
        .order_by("name")
    )
    context = {"rooms": visible, "form": form, "nav": "rooms"}
    return render(request, "chat/rooms.html", context, status=400 if form.errors else 200)


def _timeline(room: Room):
    """Messages of the main timeline: a thread's replies live in the thread."""
    return _messages(room).filter(parent__isnull=True)


def _messages(room: Room):
    """Messages with what rendering them needs, fetched in a fixed number of queries."""
    return (
        Message.objects.filter(room=room)
        .select_related("author", "room")
        .prefetch_related("reactions__user")
    )


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    visit = RoomVisit.objects.filter(room=room, user=request.user).first()
    last_read = visit.last_read_seq if visit else room.last_seq
    timeline = _timeline(room)
    only_open = request.GET.get("filter") == "open"
    try:
        at = _seq_param(request, "at")
    except ValidationError:
        at = None
    if only_open:
        timeline = timeline.filter(resolved_at__isnull=True, deleted_at__isnull=True).filter(
            Q(body__contains="?") | Q(reply_count__gt=0)
        )
    if at is not None:
        # A permalink: the page around that message, not the latest one.
        latest = list(timeline.filter(seq__lt=at).order_by("-seq")[: PAGE // 2])[::-1]
        latest += list(timeline.filter(seq__gte=at).order_by("seq")[: PAGE // 2])
    else:
        latest = list(timeline.order_by("-seq")[:PAGE])[::-1]
    first_unread = next((m.seq for m in latest if m.seq > last_read), None)
    actions.mark_read(room=room, user=request.user, seq=room.last_seq)
    context = {
        "room": room,
        "timeline": latest,
        "has_older": bool(latest) and latest[0].seq > 1 and not only_open,
        "first_unread_seq": first_unread,
        "last_read_seq": last_read,
        "only_open": only_open,
        "live": not only_open and at is None,
        "can_post": policies.can_post(request.user, room),
        "can_moderate": policies.can_moderate(request.user, room),
        "can_manage": policies.can_manage_space(request.user, room),
        "client_id": uuid.uuid4().hex,
        "max_body": actions.MAX_BODY,
        "composer_body": request.session.pop(f"draft-{room.pk}", ""),
        "nav": "rooms",
        **actions.MESSAGE_CONTEXT,
    }
    return render(request, "chat/room.html", context)


@login_required
def thread(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    root = get_object_or_404(_timeline(room), pk=message_id)
    replies = _messages(room).filter(parent=root).order_by("seq")
    context = {
        "room": room,
        "root": root,
        "replies": replies,
        "can_post": policies.can_post(request.user, room),
        "can_moderate": policies.can_moderate(request.user, room),
        "can_manage": False,
        "max_body": actions.MAX_BODY,
        "client_id": uuid.uuid4().hex,
        "nav": "rooms",
        **actions.MESSAGE_CONTEXT,
    }
    template = "chat/thread.html#panel" if request.htmx else "chat/thread.html"
    return render(request, template, context)


@login_required
def history(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    message = get_object_or_404(_messages(room), pk=message_id)
    if message.is_deleted:
        raise Http404("This message was deleted")
    edits = message.edits.order_by("-edited_at")
    context = {"room": room, "message": message, "edits": edits, **actions.MESSAGE_CONTEXT}
    return render(request, "chat/history.html", context)


@login_required
def messages(request: HttpRequest, slug: str) -> HttpResponse:
    """The same fragments as the page and the socket: ?after=<seq> (catch-up) or ?before=<seq>."""
    room = _get_room_for_user(request, slug)
    try:
        after, before = _seq_param(request, "after"), _seq_param(request, "before")
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    if after is not None:  # catch-up: every event after `after`, replies included
        page = list(_messages(room).filter(seq__gt=after).order_by("seq")[:PAGE])
    elif before is not None:  # history: the main timeline only
        page = list(_timeline(room).filter(seq__lt=before).order_by("-seq")[:PAGE])[::-1]
    else:
        return HttpResponseBadRequest("Ask for ?after=<seq> or ?before=<seq>.")
    return render(request, "chat/messages.html", {"page": page, **actions.MESSAGE_CONTEXT})


@login_required
@require_POST
def post(request: HttpRequest, slug: str) -> HttpResponse:
    """The composer without JavaScript: the same action the socket calls."""
    room = _get_room_for_user(request, slug)
    body = request.POST.get("body", "")
    try:
        actions.post_message(
            room=room, author=request.user, body=body, client_id=request.POST.get("client_id", "")
        )
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
        request.session[f"draft-{room.pk}"] = body[: actions.MAX_BODY * 2]  # nothing typed is lost
    return redirect(room)


@login_required
@require_POST
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    try:
        actions.update_topic(room=room, user=request.user, topic=request.POST.get("topic", ""))
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(room)


@login_required
@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    archived = request.POST.get("archived") == "1"
    actions.archive_room(room=room, user=request.user, archived=archived)
    flash.success(request, f"#{room.name} is {'archived' if archived else 'open again'}.")
    return redirect(room)


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    """Where the person was @mentioned, newest first; opening the list clears the badge."""
    found = (
        Mention.objects.filter(
            user=request.user, message__room__in=Room.objects.visible_to(request.user)
        )
        .select_related("message__author", "message__room")
        .prefetch_related("message__reactions__user")
        .order_by("-created_at")[:100]
    )
    actions.mark_mentions_seen(user=request.user)
    context = {"mentions": found, "nav": "mentions", **actions.MESSAGE_CONTEXT}
    return render(request, "chat/mentions.html", context)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:200]
    results = search_messages(request.user, text) if text else []
    context = {"q": text, "results": results, "nav": "rooms", **actions.MESSAGE_CONTEXT}
    return render(request, "chat/search.html", context)
