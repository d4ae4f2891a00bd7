"""What happened, recorded for a team's webhooks in the transaction of the change itself (the
outbox): the row commits with the change or not at all, and a task fans it out after the
commit. A broker that is down then delays the delivery (the sweep queues it again), never
loses it. Nothing is recorded for a team without an endpoint that wants the kind: the posting
path stays one statement for everyone else."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import Membership, User
from boards.events import card_data
from boards.models import Card, Column
from chat.events import message_data
from chat.models import Message
from webhooks.models import Endpoint, Event, Kind

log = logging.getLogger(__name__)
_CACHE_SECONDS = 300
# Asked on every post: each process keeps the answer this long on top of the shared cache.
_LOCAL_SECONDS = 1.0
_local: dict[int, tuple[float, frozenset[str]]] = {}


def _key(team_id: int) -> str:
    return f"webhooks:kinds:{team_id}"


def wanted(team_id: int | None) -> frozenset[str]:
    """The kinds of event the team's active endpoints want."""
    if team_id is None:
        return frozenset()
    now = time.monotonic()
    held = _local.get(team_id)
    if held is not None and held[0] > now:
        return held[1]
    kinds = cache.get(_key(team_id))
    if kinds is None:
        rows = Endpoint.objects.filter(team_id=team_id, is_active=True).values_list("kinds")
        kinds = sorted({kind for (chosen,) in rows for kind in chosen})
        cache.set(_key(team_id), kinds, _CACHE_SECONDS)
    kinds = frozenset(kinds)
    _local[team_id] = (now + _LOCAL_SECONDS, kinds)
    return kinds


def endpoints_changed(team_id: int) -> None:
    """Which kinds the team wants is asked of the database again: at once in this process,
    and by every process after the commit (until then, others still see the old endpoints)."""

    def forget() -> None:
        cache.delete(_key(team_id))
        _local.pop(team_id, None)

    forget()
    transaction.on_commit(forget, robust=True)


def forget_all() -> None:
    """This process's own answers (the shared cache is cleared as caches are)."""
    _local.clear()


def record(kind: str, team_id: int | None, data: dict, *, only: Endpoint | None = None) -> None:
    """Record `kind` for the team's endpoints that want it, inside the caller's transaction."""
    if only is None and kind not in wanted(team_id):
        return
    event = Event.objects.create(team_id=team_id, kind=kind, data=data, only_endpoint=only)
    transaction.on_commit(lambda: queue_dispatch(event.pk), robust=True)


def queue_dispatch(event_id: str) -> None:
    from webhooks import tasks  # tasks use the outbox's models, not the other way round

    tasks.queue(tasks.dispatch, event_id)


def absolute(path: str) -> str:
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{settings.SITE_DOMAIN}{path}"


# --- The kinds, each from the action that makes it ---------------------------------------------
def _space(space) -> dict:
    return {"id": space.pk, "name": space.name, "url": absolute(space.get_absolute_url())}


def message_posted(message: Message) -> None:
    room = message.room
    if Kind.MESSAGE_POSTED in wanted(room.team_id):
        message.reaction_summary = []  # new: none yet
        data = {"room": _space(room), "message": message_data(message)}
        del message.reaction_summary
        data["message"]["url"] = absolute(message.get_absolute_url())
        record(Kind.MESSAGE_POSTED, room.team_id, data)


def question_resolved(message: Message, by: User) -> None:
    room = message.room
    if Kind.QUESTION_RESOLVED in wanted(room.team_id):
        data = {"room": _space(room), "message": message_data(message), "by": _person(by)}
        data["message"]["url"] = absolute(message.get_absolute_url())
        record(Kind.QUESTION_RESOLVED, room.team_id, data)


def _card(card: Card, by: User) -> dict:
    data = card_data(card)
    data["url"] = absolute(card.get_absolute_url())
    return {"board": _space(card.board), "card": data, "by": _person(by)}


def card_created(card: Card, by: User) -> None:
    if Kind.CARD_CREATED in wanted(card.board.team_id):
        data = _card(card, by)
        data["column"] = _column(card.column)
        record(Kind.CARD_CREATED, card.board.team_id, data)


def card_moved(card: Card, by: User, *, source_id: int, target: Column) -> None:
    """A move to another column; to the board's last column, the card is solved too."""
    board = card.board
    kinds = wanted(board.team_id) & {Kind.CARD_MOVED, Kind.CARD_SOLVED}
    if not kinds:
        return
    card.refresh_from_db()
    if not board.columns.filter(position__gt=target.position).exists():
        kinds_now = [Kind.CARD_MOVED, Kind.CARD_SOLVED]
    else:
        kinds_now = [Kind.CARD_MOVED]
    for kind in kinds_now:
        if kind in kinds:
            data = _card(card, by)
            data.update(
                {
                    "from_column": _column(Column.objects.get(pk=source_id)),
                    "column": _column(target),
                }
            )
            record(kind, board.team_id, data)


def member_joined(membership: Membership) -> None:
    team = membership.team
    if Kind.MEMBER_JOINED in wanted(team.pk):
        data = {
            "team": {"id": team.pk, "name": team.name, "url": absolute(team.get_absolute_url())},
            "member": _person(membership.user),
            "role": membership.role,
        }
        record(Kind.MEMBER_JOINED, team.pk, data)


def _person(user: User) -> dict:
    return {"id": user.pk, "name": user.name}


def _column(column: Column) -> dict:
    return {"id": column.pk, "name": column.name}
