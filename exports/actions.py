"""Exports asked for: check → record → queue. The row is the outbox (decision 013): written
first, its task queued after the commit; a task lost on the way is queued again by the sweep."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policies
from accounts.models import Team, User
from boards.models import Board
from chat.models import Room
from exports import events, runner, tasks
from exports.models import FORMATS, Export, Format, Kind
from nexus_live.celery import queue


def start_export(
    *, user: User, kind: object, format: object, board: Board | None = None,
    room: Room | None = None, team: Team | None = None,
) -> Export:  # fmt: skip
    """An export of a board, a room's history or the person's own solved cards, written in
    the background; its progress reaches the person's sockets, its file only them."""
    if kind not in Kind.values:
        raise ValidationError("Choose what to export: a board, a room or your solved cards.")
    kind = Kind(kind)
    if format not in [choice.value for choice in FORMATS[kind]]:
        allowed = ", ".join(choice.label for choice in FORMATS[kind])
        raise ValidationError(f"{kind.label} exports are written as {allowed}.")
    target = {Kind.BOARD: board, Kind.ROOM: room, Kind.PORTFOLIO: None, Kind.HUB: team}[kind]
    if kind != Kind.PORTFOLIO and target is None:
        raise ValidationError(f"Name the {'team' if kind == Kind.HUB else kind.value} to export.")
    if not can_export(user, kind, target):
        raise PermissionDenied("You cannot export this.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # count, then add: alone
        active = Export.objects.filter(
            user=user, status__in=[Export.Status.PENDING, Export.Status.RUNNING]
        ).count()
        if active >= settings.EXPORT_MAX_ACTIVE:
            raise ValidationError(
                f"You have {active} exports being written: wait for one to finish."
            )
        export = Export.objects.create(
            user=user, kind=kind, format=Format(format), title=_title(kind, user, target),
            board=board if kind == Kind.BOARD else None,
            room=room if kind == Kind.ROOM else None, team=team if kind == Kind.HUB else None,
            expires_at=runner.keep_until(),
        )  # fmt: skip
        events.export_changed(export)
        transaction.on_commit(lambda: queue(tasks.build, export.pk), robust=True)
    return export


def can_export(user: User, kind: Kind, target: object) -> bool:
    """A team's hub: its members (decision 024); the rest: policies.can_export."""
    if kind == Kind.HUB:
        return policies.can_view_team(user, target)
    return policies.can_export(user, target)


def _title(kind: Kind, user: User, target: object) -> str:
    if kind == Kind.HUB:
        return f"Hub of {target.name}"
    if kind == Kind.BOARD:
        return f"Board {target.name}"
    if kind == Kind.ROOM:
        return f"History of {runner.room_title(target, user)}"
    return f"{user.name}: solved cards"
