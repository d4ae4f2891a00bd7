"""Reads of exports: a person's own, never anyone else's."""

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Team, User
from exports.models import Export

LISTED = 50  # exports on the page, newest first


def exports_of(user: User) -> QuerySet[Export]:
    """The person's exports not yet expired (the prune may not have run yet)."""
    return Export.objects.filter(user=user, expires_at__gt=timezone.now()).select_related("room")


def export_for(user: User, pk: int) -> Export | None:
    """One of the person's exports; someone else's is as absent as one that never was."""
    return exports_of(user).filter(pk=pk).first()


def hub_teams(user: User) -> QuerySet[Team]:
    """The teams whose hub the person may export (their members', viewers too: decision 024)."""
    return Team.objects.filter(memberships__user=user).order_by("name", "pk").distinct()
