"""Template context every page needs: which sign-in providers are configured, the limits
forms state."""

import functools

from django.conf import settings
from django.http import HttpRequest


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
        **{f"card_{name}": limit for name, limit in boards.TEXT_MAX.items()},
    }


def limits(request: HttpRequest) -> dict[str, object]:
    return {"limits": all_limits()}
