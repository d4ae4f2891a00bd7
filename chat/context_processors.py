"""Navigation counts on every page: unread messages in followed rooms, unseen @mentions."""

from django.http import HttpRequest

from accounts.models import User
from chat.models import Mention, RoomVisit


def nav_state(user: User) -> dict[str, object]:
    """{rooms: {room id: [last seq, read mark]} of the rooms the person follows, mentions:
    unseen @mentions}: what the navigation's counts are computed from, here and in app.js."""
    visits = RoomVisit.objects.filter(user=user).values_list(
        "room_id", "room__last_seq", "last_read_seq"
    )
    rooms = {str(room): [last_seq, read] for room, last_seq, read in visits}
    mentions = Mention.objects.filter(user=user, seen_at__isnull=True).count()
    return {"rooms": rooms, "mentions": mentions}


def nav_counts(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    state = nav_state(user)
    unread = sum(max(0, last_seq - read) for last_seq, read in state["rooms"].values())
    return {"nav_unread": unread, "nav_mentions": state["mentions"], "nav_state": state}
