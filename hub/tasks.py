"""The hub's Celery task: fetch a schema registered by URL (thin: hub/actions.py does it)."""

from celery import shared_task

from hub import actions


@shared_task(acks_late=True)
def fetch_schema(schema_id: int) -> None:
    actions.fetch_schema(schema_id)
