"""The Celery app: background work (webhook deliveries, the outbox sweep) on the broker of
CELERY_BROKER_URL, Redis or RabbitMQ. Without a broker (the embedded default) a task runs at once,
in the process that queued it, so `make run` needs no service (docs/decisions/013)."""

import logging
import os

from celery import Celery
from celery.signals import task_failure

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_live.settings")

app = Celery("nexus_live")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _count_failure(sender=None, **kwargs) -> None:
    from nexus_live import metrics  # needs Django's settings, set up by then

    metrics.task_failed(sender=sender, **kwargs)


task_failure.connect(_count_failure, weak=False)


log = logging.getLogger(__name__)


def queue(task, *args, countdown: float | None = None) -> bool:
    """Queue `task`; with the broker down, log it and go on: the database still has the work
    and a sweep queues it again. In the embedded default (no broker) it runs here, now; a
    retry with a countdown then waits for a sweep."""
    if task.app.conf.task_always_eager and countdown:
        return False
    try:
        task.apply_async(args, countdown=countdown)
    except Exception as exc:
        log.warning("could not queue %s%r (%s): the sweep will", task.name, args, exc)
        return False
    return True
