"""Template context every page needs: which sign-in providers are configured, the limits
forms state, and the sidebar (rooms with their counts, boards, teams)."""

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def site(request: HttpRequest) -> dict[str, object]:
    return {"google_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS["google"]["APPS"])}


@functools.cache
def all_limits() -> dict[str, int]:
    """Every length limit a form states, from the action that enforces it (never copied)."""
    from accounts import actions as accounts
    from boards import actions as boards
    from chat import actions as chat

    return {
        "person_name": accounts.NAME_MAX,
        "team_name": accounts.NAME_MAX,
        "team_description": accounts.DESCRIPTION_MAX,
        "room_name": chat.ROOM_NAME_MAX,
        "topic": chat.TOPIC_MAX,
        "message": chat.MAX_BODY,
        "board_name": boards.BOARD_NAME_MAX,
        "column_name": boards.COLUMN_NAME_MAX,
        "card_title": boards.TITLE_MAX,
        "label_name": boards.LABEL_NAME_MAX,
        "card_comment": boards.COMMENT_MAX,
        **{f"card_{name}": limit for name, limit in boards.TEXT_MAX.items()},
    }


def limits(request: HttpRequest) -> dict[str, object]:
    return {"limits": all_limits()}


SIDEBAR_BOARDS = 8  # boards listed per team; "All boards" has the rest
SIDEBAR_DIRECTS = 10  # direct conversations listed, unread first; "Direct messages" has all


def sidebar(request: HttpRequest) -> dict[str, object]:
    """The left sidebar of every page: the rooms and direct conversations the person follows
    with unread counts and mention badges, their teams with their boards, the current place
    marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from accounts.models import Team
    from chat import queries as chat

    rooms = chat.followed(user)
    state = chat.nav_state(user, rooms)
    here = request.path
    for room in rooms:
        name = "direct:room" if room["kind"] == "direct" else "chat:room"
        room["url"] = reverse(name, args=[room["slug"]])
        room["current"] = here.startswith(room["url"])
        room["unread"] = max(0, room["last_seq"] - room["read"])
        room["mentioned"] = len(state["mentioned"].get(str(room["id"]), ()))
    # The person's teams and their boards, in one query (a team without boards: one row).
    rows = (
        Team.objects.filter(memberships__user=user)
        .order_by("name", "boards__name")
        .values_list("pk", "name", "slug", "boards__pk", "boards__name")
    )
    teams: dict[int, dict[str, object]] = {}
    for team, name, slug, board, board_name in rows:
        if team not in teams:
            url = reverse("accounts:team", args=[slug])
            teams[team] = {"name": name, "url": url, "current": here == url, "boards": []}
        boards = teams[team]["boards"]
        if board is not None and len(boards) < SIDEBAR_BOARDS:
            url = reverse("boards:detail", args=[board])
            boards.append({"name": board_name, "url": url, "current": here.startswith(url)})
    directs = [room for room in rooms if room["kind"] == "direct"]
    titles = chat.direct_titles(user, [room["id"] for room in directs])
    for room in directs:
        room["title"] = room["title"] or titles[room["id"]]
    directs.sort(key=lambda room: (not room["unread"], room["title"].casefold()))
    return {
        "nav_state": state,
        "nav_unread": sum(
            room["unread"] for room in rooms if not room["current"] and room["kind"] != "direct"
        ),
        "nav_direct_unread": sum(
            room["unread"] for room in rooms if not room["current"] and room["kind"] == "direct"
        ),
        "nav_mentions": state["mentions"],
        # Direct conversations are counted and listed apart from rooms; their title (the
        # other people's names) depends on who looks.
        "sidebar": {
            "rooms": [room for room in rooms if room["kind"] != "direct"],
            "directs": directs[:SIDEBAR_DIRECTS],
            "teams": list(teams.values()),
        },
    }
