"""/queue/: the mentor help queue."""

from django.urls import path

from chat import queue_views

app_name = "queue"
urlpatterns = [
    path("", queue_views.queue, name="list"),
    path("<int:message_id>/claim", queue_views.claim, name="claim"),
    path("times/", queue_views.times, name="times"),
]
