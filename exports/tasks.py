"""The Celery tasks of exports: thin, so that what they do is tested without a worker
(exports/runner.py). `build` is idempotent (a lease and a run token: running it twice writes
one file) and acknowledged after it ran; its time limit is its own, exports being long."""

import logging

from celery import shared_task
from django.conf import settings

from exports import runner
from nexus_live.celery import queue

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=settings.EXPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.EXPORT_TIME_LIMIT_SECONDS + 30,
)
def build(export_id: int) -> None:
    runner.run(export_id)


@shared_task
def sweep() -> None:
    """What beat runs every CELERY_SWEEP_SECONDS: exports whose task was lost, queued again."""
    found = runner.sweep()
    for export_id in found:
        queue(build, export_id)
    if found:
        log.info("exports sweep: %d queued again", len(found))


@shared_task(acks_late=True)
def prune() -> None:
    if removed := runner.prune():
        log.info("exports: %d expired removed", removed)
