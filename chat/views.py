"""Room pages and their HTTP endpoints. Thin: who is asking, may they, parse, call an action."""

import uuid

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policies
from chat import actions
from chat.models import Message, Room, RoomVisit

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
    if not value.isdigit():
        raise ValidationError(f"{name} must be a whole number.")
    return int(value)


@login_required
def rooms(request: HttpRequest) -> HttpResponse:
    visible = Room.objects.visible_to(request.user).select_related("team").order_by("name")
    return render(request, "chat/rooms.html", {"rooms": visible, "nav": "rooms"})


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    visit = RoomVisit.objects.filter(room=room, user=request.user).first()
    last_read = visit.last_read_seq if visit else room.last_seq
    latest = list(
        Message.objects.filter(room=room).select_related("author").order_by("-seq")[:PAGE]
    )[::-1]
    first_unread = next((m.seq for m in latest if m.seq > last_read), None)
    actions.mark_read(room=room, user=request.user, seq=room.last_seq)
    context = {
        "room": room,
        "messages": latest,
        "has_older": bool(latest) and latest[0].seq > 1,
        "first_unread_seq": first_unread,
        "last_read_seq": last_read,
        "can_post": actions.can_post(request.user, room),
        "can_moderate": actions.can_moderate(request.user, room),
        "client_id": uuid.uuid4().hex,
        "max_body": actions.MAX_BODY,
        "nav": "rooms",
    }
    return render(request, "chat/room.html", context)


@login_required
def messages(request: HttpRequest, slug: str) -> HttpResponse:
    """The same fragments as the page and the socket: ?after=<seq> (catch-up) or ?before=<seq>."""
    room = _get_room_for_user(request, slug)
    try:
        after, before = _seq_param(request, "after"), _seq_param(request, "before")
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    found = Message.objects.filter(room=room).select_related("author")
    if after is not None:
        page = list(found.filter(seq__gt=after).order_by("seq")[:PAGE])
    elif before is not None:
        page = list(found.filter(seq__lt=before).order_by("-seq")[:PAGE])[::-1]
    else:
        return HttpResponseBadRequest("Ask for ?after=<seq> or ?before=<seq>.")
    return render(request, "chat/messages.html", {"messages": page})


@login_required
@require_POST
def post(request: HttpRequest, slug: str) -> HttpResponse:
    """The composer without JavaScript: the same action the socket calls."""
    room = _get_room_for_user(request, slug)
    try:
        actions.post_message(
            room=room,
            author=request.user,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id", ""),
        )
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(room)
