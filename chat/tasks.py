"""The Celery tasks of rooms (notification emails, link previews, unsent uploads): thin, so
that what they do is tested without a worker (chat/notifications.py, chat/actions/). Beat
runs the periodic ones (CELERY_BEAT_SCHEDULE); each is idempotent."""

import logging

from celery import shared_task

from chat import actions, notifications

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def email_away() -> None:
    if sent := notifications.email_away():
        log.info("notification emails: %d sent", sent)


@shared_task(acks_late=True)
def email_digests() -> None:
    if sent := notifications.email_digests():
        log.info("notification digests: %d sent", sent)


@shared_task(acks_late=True)
def prune_uploads() -> None:
    """Files uploaded to a room but never sent, after a day (beat, hourly)."""
    if removed := actions.prune_unposted():
        log.info("unsent uploads: %d removed", removed)


@shared_task(acks_late=True)
def fetch_preview(preview_id: int) -> None:
    """Queued after the commit of a message with a new link (chat/actions/previews.py)."""
    actions.fetch_preview(preview_id)


@shared_task
def sweep_previews() -> None:
    """Previews whose fetch was never queued or got lost (beat, every CELERY_SWEEP_SECONDS)."""
    from webhooks.tasks import queue

    due = actions.due_previews()
    for preview_id in due:
        queue(fetch_preview, preview_id)
    if due:
        log.info("link previews sweep: %d queued", len(due))


@shared_task
def prune_previews() -> None:
    """Previews no message links to, after the cache's day (beat, hourly)."""
    if removed := actions.prune_previews():
        log.info("link previews: %d unused removed", removed)
