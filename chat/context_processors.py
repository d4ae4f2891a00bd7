"""Navigation counts on every page: unread messages in followed rooms, unseen @mentions."""

from django.http import HttpRequest

from chat.models import Mention, RoomVisit


def nav_counts(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    visits = RoomVisit.objects.filter(user=user).values_list(
        "room_id", "room__last_seq", "last_read_seq"
    )
    rooms = {str(room): [last_seq, read] for room, last_seq, read in visits}
    unread = sum(max(0, last_seq - read) for last_seq, read in rooms.values())
    mentions = Mention.objects.filter(user=user, seen_at__isnull=True).count()
    return {
        "nav_unread": unread,
        "nav_mentions": mentions,
        "nav_state": {"rooms": rooms, "mentions": mentions},
    }
