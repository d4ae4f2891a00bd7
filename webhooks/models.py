"""Outgoing webhooks: a team's endpoints, the events recorded for them (the outbox, written in
the transaction of the change), one delivery per event and endpoint, and its attempts."""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models

from accounts.models import Team


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_event_id() -> str:
    return "msg_" + uuid.uuid4().hex


class Kind(models.TextChoices):
    MESSAGE_POSTED = "message.posted", "A message is posted in a room"
    QUESTION_RESOLVED = "question.resolved", "A question is resolved"
    CARD_CREATED = "card.created", "A card is created"
    CARD_MOVED = "card.moved", "A card moves to another column"
    CARD_SOLVED = "card.solved", "A card reaches its board's last column"
    MEMBER_JOINED = "member.joined", "Someone joins the team"
    TEST = "webhook.test", "A test event (Send test event)"


class Format(models.TextChoices):
    STANDARD = "standard", "Standard Webhooks (signed JSON)"
    DISCORD = "discord", "Discord channel webhook"


class Endpoint(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.STANDARD)
    kinds = models.JSONField(default=list)  # Kind values; never Kind.TEST, which is asked for
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_secret)
    # After a rotation the old secret signs too, until then: receivers switch without a gap.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """What happened, recorded in the same transaction as the change: the outbox. Its id is
    the `webhook-id` every delivery of it carries (receivers drop duplicates by it)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Set once its deliveries exist; the sweep fans out the events a lost task left unset.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # A test event goes to one endpoint only.
    only_endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="webhook_event_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"  # every retry spent, or the endpoint was disabled

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it may next be tried; also a lease: a worker that takes it moves it forward first.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} to {self.endpoint_id}: {self.status}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # no answer: why
    response = models.TextField(blank=True)  # the first characters of the answer's body

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} in {self.duration_ms} ms"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
