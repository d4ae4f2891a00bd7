"""The Celery tasks of webhooks: thin, so that what they do is tested without a worker
(webhooks/delivery.py). Each is idempotent (see there), acknowledged after it ran."""

import logging

from celery import shared_task

from webhooks import delivery

log = logging.getLogger(__name__)
COUNTDOWN_LIMIT = 60.0  # seconds: a later retry is left to the sweep, not held by a worker


def queue(task, *args, countdown: float | None = None) -> bool:
    """Queue `task`; with the broker down, log it and go on: the database still has the work
    and the sweep queues it again. In the embedded default (no broker) it runs here, now; a
    retry with a countdown then waits for a sweep."""
    if task.app.conf.task_always_eager and countdown:
        return False
    try:
        task.apply_async(args, countdown=countdown)
    except Exception as exc:
        log.warning("could not queue %s%r (%s): the sweep will", task.name, args, exc)
        return False
    return True


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
