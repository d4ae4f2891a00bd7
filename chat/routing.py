"""WebSocket routes of the rooms; asgi.py mounts them behind the Origin check and sign-in."""

from django.urls import path

from chat.consumers import QueueConsumer, RoomConsumer, UserConsumer

websocket_urlpatterns = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi()),
    path("ws/me/", UserConsumer.as_asgi()),
    path("ws/queue/", QueueConsumer.as_asgi()),
]
