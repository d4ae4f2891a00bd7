"""Room pages. Thin: who is asking, may they, then render."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts import policies
from chat.models import Room


def _get_room_for_user(request: HttpRequest, slug: str) -> Room:
    room = get_object_or_404(Room.objects.select_related("team"), slug=slug)
    if not policies.can_view_space(request.user, room):
        raise Http404("No such room")
    return room


@login_required
def rooms(request: HttpRequest) -> HttpResponse:
    visible = Room.objects.visible_to(request.user).select_related("team").order_by("name")
    return render(request, "chat/rooms.html", {"rooms": visible, "nav": "rooms"})


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    context = {
        "room": room,
        "can_post": policies.can_write_space(request.user, room) and not room.is_archived,
        "nav": "rooms",
    }
    return render(request, "chat/room.html", context)
