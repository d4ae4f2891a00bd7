"""The Celery tasks of notification emails: thin, so that what they do is tested without a
worker (chat/notifications.py). Beat runs them (CELERY_BEAT_SCHEDULE); each is idempotent."""

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
