"""Rooms: where learners talk, public to every signed-in person or private to one team."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import User


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "RoomQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(is_private=False) | Q(team__memberships__user=user)).distinct()


class Room(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=90, unique=True)
    topic = models.CharField(max_length=300, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="rooms"
    )
    is_private = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(is_private=False) | Q(team__isnull=False),
                name="private_room_has_team",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("chat:room", args=[self.slug])
