"""The API's WebSocket: live JSON events, signed in by token (any Origin: no cookies count)."""

from django.urls import path

from api.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/v1/events/", EventsConsumer.as_asgi()),
]
