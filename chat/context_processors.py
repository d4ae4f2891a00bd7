"""Navigation counts on every page: unread messages in followed rooms, unseen @mentions."""

from django.http import HttpRequest

from chat.queries import nav_state


def nav_counts(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    state = nav_state(user)
    unread = sum(max(0, last_seq - read) for last_seq, read in state["rooms"].values())
    return {"nav_unread": unread, "nav_mentions": state["mentions"], "nav_state": state}
