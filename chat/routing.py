"""WebSocket routes of the rooms; asgi.py mounts them behind the Origin check and sign-in."""

websocket_urlpatterns: list = []
