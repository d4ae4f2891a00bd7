"""What rooms and boards share: a Space belongs to a team or to nobody, is public or private
to its team, and numbers every change to it with its next event."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SpaceQuerySet(models.QuerySet):
    """Rooms and boards: public to everyone signed in, or private to one team."""

    def visible_to(self, user) -> "SpaceQuerySet":
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(Q(is_private=False) | Q(team__memberships__user=user)).distinct()


class Space(models.Model):
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    is_private = models.BooleanField(default=False)
    # The newest change of any kind: each write takes the next one inside its transaction,
    # so catch-up is "events after N" and every change is ordered.
    last_event = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(is_private=False) | Q(team__isnull=False),
                name="private_%(class)s_has_team",
            )
        ]

    @property
    def visibility_label(self) -> str:
        """What the page's badge says about who may read it."""
        return f"{self.team.name} only" if self.is_private else "public"
