"""Nexus Live: live rooms and co-edited challenge boards for backend and frontend learners."""

# Loaded with Django, so that `shared_task`s queue on this app (Celery's Django layout).
from nexus_live.celery import app as celery_app

__all__ = ["celery_app"]
