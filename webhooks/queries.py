"""Reads of webhooks for operators: what waits (see nexus_live.metrics.BacklogCollector)."""

from datetime import timedelta

from django.utils import timezone

from webhooks.models import Delivery, Endpoint, Event

OVERDUE = timedelta(minutes=1)  # the sweep runs every 30 s: older than this, nobody works


def backlog() -> dict[str, tuple[str, int]]:
    """Metric name -> (help, value). Each count uses a partial index (models.py)."""
    late = timezone.now() - OVERDUE
    return {
        "webhook_events_undispatched": (
            "Webhook events recorded over a minute ago and not fanned out (the broker, workers)",
            Event.objects.filter(dispatched_at__isnull=True, created_at__lt=late).count(),
        ),
        "webhook_deliveries_overdue": (
            "Webhook deliveries due over a minute ago and not attempted (workers, beat)",
            Delivery.objects.filter(status="pending", next_attempt_at__lt=late).count(),
        ),
        "webhook_endpoints_off": (
            "Webhook endpoints turned off (410, failing for days, or paused)",
            Endpoint.objects.filter(is_active=False).count(),
        ),
    }
