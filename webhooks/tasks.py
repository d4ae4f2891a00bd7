"""The Celery tasks of webhooks: thin, so that what they do is tested without a worker
(webhooks/delivery.py). Each is idempotent (see there), acknowledged after it ran."""

import logging

from celery import shared_task

from nexus_live.celery import queue
from webhooks import delivery

log = logging.getLogger(__name__)
COUNTDOWN_LIMIT = 60.0  # seconds: a later retry is left to the sweep, not held by a worker


@shared_task(acks_late=True)
def dispatch(event_id: str) -> None:
    for delivery_id in delivery.fan_out(event_id):
        queue(deliver, delivery_id)


@shared_task(acks_late=True)
def deliver(delivery_id: int) -> None:
    delivery.attempt(delivery_id)


@shared_task
def sweep() -> None:
    events, deliveries = delivery.sweep()
    if events or deliveries:
        log.info("webhooks sweep: %d events fanned out, %d deliveries queued", events, deliveries)


@shared_task
def prune() -> None:
    delivery.prune()
