"""A team's webhooks, administered by its owners: add, change, rotate the secret, pause or
resume, remove; send a test event; deliver again."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policies
from accounts.models import Team, User
from nexus_live import outbound
from nexus_live.text import plain_text
from webhooks import outbox
from webhooks.models import Delivery, Endpoint, Format, Kind, new_secret

MAX_ENDPOINTS = 20  # per team
KINDS = [kind for kind in Kind.values if kind != Kind.TEST]


def require_manage(user: User, team: Team) -> None:
    if not policies.can_manage_team(user, team):
        raise PermissionDenied("Only the team's owners can manage its webhooks.")


def _clean(url: object, format: object, kinds: object, description: object) -> dict:
    url = plain_text(url, "The URL").strip()
    if not url:
        raise ValidationError("Give the URL that receives the events.")
    if len(url) > 2000:
        raise ValidationError("A webhook URL is at most 2,000 characters.")
    if why := outbound.refusal(url):
        raise ValidationError(f"This URL cannot receive webhooks: {why}")
    if format not in Format.values:
        raise ValidationError("Choose the format: Standard Webhooks or Discord.")
    if not isinstance(kinds, list | tuple) or not kinds:
        raise ValidationError("Choose at least one kind of event.")
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise ValidationError(f"Unknown kind of event: {plain_text(unknown[0], 'A kind')[:40]}.")
    description = plain_text(description or "", "The description").strip()
    if len(description) > 200:
        raise ValidationError("A description is at most 200 characters.")
    return {
        "url": url,
        "format": format,
        "kinds": [kind for kind in KINDS if kind in kinds],
        "description": description,
    }


def create_endpoint(
    *, team: Team, user: User, url: object, format: object = Format.STANDARD, kinds: object,
    description: object = "",
) -> Endpoint:  # fmt: skip
    require_manage(user, team)
    values = _clean(url, format, kinds, description)
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()  # count, then add: alone
        if Endpoint.objects.filter(team=team).count() >= MAX_ENDPOINTS:
            raise ValidationError(f"A team has at most {MAX_ENDPOINTS} webhooks.")
        endpoint = Endpoint.objects.create(team=team, created_by=user, **values)
        outbox.endpoints_changed(team.pk)
    return endpoint


def update_endpoint(
    *, endpoint: Endpoint, user: User, url: object, format: object, kinds: object,
    description: object = "",
) -> Endpoint:  # fmt: skip
    require_manage(user, endpoint.team)
    values = _clean(url, format, kinds, description)
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(**values)
        outbox.endpoints_changed(endpoint.team_id)
    endpoint.refresh_from_db()
    return endpoint


def rotate_secret(*, endpoint: Endpoint, user: User) -> str:
    """A new secret signs from now on; the old one also signs for WEBHOOK_SECRET_OVERLAP_HOURS,
    so a receiver switches without refusing a delivery. Returns the new secret (shown once)."""
    require_manage(user, endpoint.team)
    secret = new_secret()
    until = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    with transaction.atomic():
        current = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        current.previous_secret, current.previous_secret_until = current.secret, until
        current.secret = secret
        current.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    endpoint.refresh_from_db()
    return secret


def set_active(*, endpoint: Endpoint, user: User, active: bool) -> Endpoint:
    require_manage(user, endpoint.team)
    with transaction.atomic():
        changes = {"is_active": active}
        if active:
            changes.update(disabled_reason="", failing_since=None)
        else:
            changes["disabled_reason"] = f"Paused by {user.name}."
        Endpoint.objects.filter(pk=endpoint.pk).update(**changes)
        outbox.endpoints_changed(endpoint.team_id)
    endpoint.refresh_from_db()
    return endpoint


def delete_endpoint(*, endpoint: Endpoint, user: User) -> None:
    require_manage(user, endpoint.team)
    with transaction.atomic():
        endpoint.delete()
        outbox.endpoints_changed(endpoint.team_id)


def send_test(*, endpoint: Endpoint, user: User) -> None:
    """A `webhook.test` event to this endpoint alone (paused or not: it is how one checks)."""
    require_manage(user, endpoint.team)
    data = {
        "endpoint": endpoint.pk,
        "team": {"id": endpoint.team_id, "name": endpoint.team.name},
        "by": {"id": user.pk, "name": user.name},
    }
    with transaction.atomic():
        outbox.record(Kind.TEST, endpoint.team_id, data, only=endpoint)


def redeliver(*, delivery: Delivery, user: User) -> Delivery:
    """Send this event to its endpoint again, now, whatever became of it."""
    endpoint = delivery.endpoint
    require_manage(user, endpoint.team)
    if not endpoint.is_active and delivery.event.kind != Kind.TEST:
        raise ValidationError("Turn the webhook back on to deliver to it again.")
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), finished_at=None
        )
        from webhooks import tasks

        transaction.on_commit(lambda: tasks.queue(tasks.deliver, delivery.pk), robust=True)
    delivery.refresh_from_db()
    return delivery
