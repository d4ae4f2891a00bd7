"""People, their profile, teams and the role each member holds in a team."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Track(models.TextChoices):
    BACKEND = "backend", "Backend"
    FRONTEND = "frontend", "Frontend"
    MENTOR = "mentor", "Mentor"


class EmailNotifications(models.TextChoices):
    """When a person hears by email of mentions and replies they have not read."""

    AWAY = "away", "Right away when I'm away"
    DIGEST = "digest", "In a daily digest"
    NEVER = "never", "Never"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class EmailUserManager(BaseUserManager["User"]):
    """Users are known by their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    track = models.CharField(max_length=16, choices=Track.choices, default=Track.BACKEND)
    email_notifications = models.CharField(
        "email me",
        max_length=8,
        choices=EmailNotifications.choices,
        default=EmailNotifications.AWAY,
    )

    objects = EmailUserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        """The first letter or digit of the first two words that have one ("!!!" or "🙂"
        has none: then the email's first letter), "?" when nothing has one."""
        letters = [c for c in map(_first_letter, self.name.split()) if c][:2]
        if not letters and (first := _first_letter(self.email)):
            letters = [first]
        # One character each ("ß".upper() is "SS").
        return "".join(c.upper() if len(c.upper()) == 1 else c for c in letters) or "?"

    def role_in(self, team: "Team") -> str | None:
        return (
            Membership.objects.filter(team=team, user=self).values_list("role", flat=True).first()
        )


def _first_letter(word: str) -> str:
    return next((c for c in word if c.isalnum()), "")


class TeamQuerySet(models.QuerySet):
    def contributable_by(self, user: "User") -> "TeamQuerySet":
        """The teams in which `user` may add rooms and boards: as an owner or a member."""
        return self.filter(
            memberships__user=user, memberships__role__in=[Role.OWNER, Role.MEMBER]
        ).order_by("name")


class Team(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=90, unique=True)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    objects = TeamQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:team", args=[self.slug])

    def owner_count(self) -> int:
        return self.memberships.filter(role=Role.OWNER).count()


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _default_expiry():
    return timezone.now() + timedelta(hours=settings.INVITE_LIFETIME_HOURS)


class InviteQuerySet(models.QuerySet):
    def usable(self) -> "InviteQuerySet":
        return self.filter(expires_at__gt=timezone.now(), revoked=False)


class Invite(models.Model):
    """A link that lets whoever holds it join a team with a role, until it expires."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    revoked = models.BooleanField(default=False)

    objects = InviteQuerySet.as_manager()

    def __str__(self) -> str:
        return f"invite to {self.team} ({self.role})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:invite", args=[self.token])

    @property
    def is_usable(self) -> bool:
        return not self.revoked and self.expires_at > timezone.now()
