"""Refresh tokens for the API, by family: every rotation stays in the family of the sign-in it
came from, so a refresh token used twice (stolen, or replayed) revokes the whole family."""

import uuid

from django.conf import settings
from django.db import models


class TokenFamily(models.Model):
    """One sign-in through the API: the refresh tokens that descend from it, and the access
    tokens they issued (which carry its id and die with it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name_plural = "token families"

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class RefreshToken(models.Model):
    """One refresh token of a family, by its JWT id. Used once: refreshing marks it used and
    issues the next."""

    jti = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="tokens")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.jti)
