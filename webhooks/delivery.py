"""Fanning an event out to its endpoints and attempting each delivery, with retries over about
a day (the Standard Webhooks schedule), `Retry-After` honoured, `410 Gone` disabling the
endpoint, and an endpoint failing for days paused and its owners told.

Every step is safe to run twice: one delivery row per event and endpoint, and an attempt first
takes its delivery by moving `next_attempt_at` forward (a lease), so two workers given the same
task, or a task and the sweep, make one attempt. A worker that dies mid-attempt leaves the lease
to run out, and the sweep tries again: receivers drop a repeat by its `webhook-id`."""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Role
from nexus_live import outbound
from webhooks import outbox
from webhooks.models import Attempt, Delivery, Endpoint, Event, Kind
from webhooks.payloads import request_for

log = logging.getLogger(__name__)
RESPONSE_KEPT = 1000  # characters of a receiver's answer in the delivery log
MAX_RETRY_AFTER = 24 * 3600


def retry_delays() -> list[float]:
    """Seconds before each retry: the specification's 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h."""
    return [float(s) for s in settings.WEBHOOK_RETRY_SECONDS]


# --- Fan-out ---------------------------------------------------------------------------------
def fan_out(event_id: str) -> list[int]:
    """Make the event's deliveries (once), and return those still to attempt."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update()
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:  # fanned out already (a repeated task, or the sweep)
            return []
        if event.only_endpoint_id:
            endpoints = Endpoint.objects.filter(pk=event.only_endpoint_id)
        else:
            endpoints = Endpoint.objects.filter(team_id=event.team_id, is_active=True)
        now = timezone.now()
        Delivery.objects.bulk_create(
            [
                Delivery(event=event, endpoint=endpoint, next_attempt_at=now)
                for endpoint in endpoints
                if event.only_endpoint_id or event.kind in endpoint.kinds
            ],
            ignore_conflicts=True,
        )
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at"])
        return list(
            Delivery.objects.filter(event=event, status=Delivery.Status.PENDING).values_list(
                "pk", flat=True
            )
        )


# --- One attempt -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status_code: int | None
    body: str
    error: str
    retry_after: float | None
    duration_ms: int


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOUND_TIMEOUT_SECONDS * 3 + 30)


def _take(delivery_id: int) -> Delivery | None:
    """The delivery, if it is due and no one else has it: moved past its lease first."""
    now = timezone.now()
    taken = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + _lease(), attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return Delivery.objects.select_related("event", "endpoint", "endpoint__team").get(
        pk=delivery_id
    )


def attempt(delivery_id: int) -> Attempt | None:
    """Try the delivery once if it is due; None when it was not (taken, done or not yet)."""
    delivery = _take(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event.kind != Kind.TEST:  # a test goes regardless
        _finish(delivery, Delivery.Status.FAILED)
        return None
    started = timezone.now()
    answer = send(endpoint, delivery.event)
    logged = Attempt.objects.create(
        delivery=delivery,
        started_at=started,
        duration_ms=answer.duration_ms,
        status_code=answer.status_code,
        error=answer.error[:300],
        response=answer.body[:RESPONSE_KEPT],
    )
    if logged.succeeded:
        _finish(delivery, Delivery.Status.SUCCEEDED)
        if endpoint.failing_since is not None:
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    elif answer.status_code == 410:
        _finish(delivery, Delivery.Status.FAILED)
        disable(endpoint, "The receiver answered 410 Gone: it no longer wants these events.")
    else:
        _failed(delivery, answer)
    return logged


def send(endpoint: Endpoint, event: Event) -> Answer:
    body, headers = request_for(endpoint, event, timezone.now())
    started = time.perf_counter()
    status, text, error, retry_after = None, "", "", None
    try:
        client = outbound.thread_client()
        with client.stream("POST", endpoint.url, content=body, headers=headers) as response:
            status = response.status_code
            text = outbound.read_limited(response, RESPONSE_KEPT * 4).decode("utf-8", "replace")
            retry_after = _retry_after(response.headers.get("retry-after"))
    except (outbound.Refused, httpx.InvalidURL) as exc:
        error = f"Refused: {exc}"
    except httpx.TimeoutException:
        error = f"No answer within {settings.OUTBOUND_TIMEOUT_SECONDS:g} s"
    except httpx.HTTPError as exc:
        error = f"Could not connect: {exc}" if str(exc) else type(exc).__name__
    duration = round((time.perf_counter() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = f"Answered {status}"
    return Answer(status, text, error, retry_after, duration)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (seconds, or an HTTP date); None if unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = (parsedate_to_datetime(value) - timezone.now()).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _finish(delivery: Delivery, status: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=None, finished_at=timezone.now()
    )


def _failed(delivery: Delivery, answer: Answer) -> None:
    """Schedule the next try, or give up after the last; pause an endpoint failing for days."""
    delays = retry_delays()
    endpoint, now = delivery.endpoint, timezone.now()
    Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    failing_since = endpoint.failing_since or now
    if now - failing_since > timedelta(days=settings.WEBHOOK_DISABLE_AFTER_DAYS):
        _finish(delivery, Delivery.Status.FAILED)
        disable(
            endpoint,
            f"Every delivery failed for {settings.WEBHOOK_DISABLE_AFTER_DAYS} days "
            f"(since {failing_since:%Y-%m-%d %H:%M} UTC): paused.",
        )
        return
    if delivery.attempts > len(delays):
        _finish(delivery, Delivery.Status.FAILED)
        return
    delay = delays[delivery.attempts - 1] * random.uniform(0.8, 1.2)  # noqa: S311 (jitter: no herd)
    if answer.retry_after is not None:
        delay = max(delay, answer.retry_after)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(seconds=delay))
    from webhooks import tasks

    if delay <= tasks.COUNTDOWN_LIMIT:  # longer waits are the sweep's
        tasks.queue(tasks.deliver, delivery.pk, countdown=delay)


def disable(endpoint: Endpoint, reason: str) -> None:
    """Stop sending to `endpoint`, fail what waits for it, and tell the team's owners."""
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason
        )
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.FAILED, next_attempt_at=None, finished_at=timezone.now()
        )
        outbox.endpoints_changed(endpoint.team_id)
    if changed:
        log.warning("webhook %s disabled: %s", endpoint.pk, reason)
        _tell_owners(endpoint, reason)


def _tell_owners(endpoint: Endpoint, reason: str) -> None:
    team = endpoint.team
    owners = team.memberships.filter(role=Role.OWNER, user__is_active=True)
    emails = [m.user.email for m in owners.select_related("user")]
    if not emails:
        return
    page = outbox.absolute(endpoint_url(endpoint))
    send_mail(
        f"[{settings.SITE_NAME}] A webhook of {team.name} was turned off",
        f"The webhook to {endpoint.url} no longer receives events.\n\n{reason}\n\n"
        f"Turn it back on, or change it, at {page}\n",
        None,
        emails,
        fail_silently=True,
    )


def endpoint_url(endpoint: Endpoint) -> str:
    from django.urls import reverse

    return reverse("webhooks:detail", args=[endpoint.team.slug, endpoint.pk])


# --- The sweep -------------------------------------------------------------------------------
SWEEP_BATCH = 500


def sweep() -> tuple[int, int]:
    """What a lost task left: events never fanned out, deliveries due. Returns their counts."""
    now = timezone.now()
    settle = now - timedelta(seconds=5)  # a task queued at commit is likely on its way
    stale = Event.objects.filter(dispatched_at__isnull=True, created_at__lt=settle)
    events = list(stale.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    deliveries = [pk for event_id in events for pk in fan_out(event_id)]
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    deliveries += due.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    from webhooks import tasks

    for delivery_id in deliveries:
        tasks.queue(tasks.deliver, delivery_id)
    return len(events), len(deliveries)


def prune() -> int:
    """Events older than WEBHOOK_LOG_DAYS go, with their deliveries and attempts."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
