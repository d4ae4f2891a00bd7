"""The Celery app: background work (webhook deliveries, the outbox sweep) on the broker of
CELERY_BROKER_URL, Redis or RabbitMQ. Without a broker (the embedded default) a task runs at once,
in the process that queued it, so `make run` needs no service (docs/decisions/013)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_live.settings")

app = Celery("nexus_live")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
