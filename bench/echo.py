"""The reference of `python -m bench --compare`: a plain Channels chat, as the Channels
tutorial builds it (a consumer joins its room's group, a message received goes to the group,
the group's messages go to the socket), storing nothing and rendering nothing.

Only what the load generator needs is added: a `synced` frame on connect (it waits for one),
an `ack` to the sender (its window of un-acked posts), the client id as the message's id
(there is no seq without storage) and `/healthz` for the bench's start-up check. Like the
tutorial it uses Channels' own dispatch, and the channel layer of the app's settings, so
both run on the same layer with the same options.
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_live.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.room_group_name = f"chat_{self.scope['url_route']['kwargs']['slug']}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "synced"}))

    async def disconnect(self, close_code: int) -> None:
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        data = json.loads(text_data)
        client_id, message = data["client_id"], data["body"]
        await self.channel_layer.group_send(
            self.room_group_name,
            {"type": "chat.message", "client_id": client_id, "message": message},
        )
        await self.send(text_data=json.dumps({"type": "ack", "client_id": client_id}))

    async def chat_message(self, event: dict) -> None:
        client_id, message = event["client_id"], event["message"]
        frame = {"type": "message", "seq": client_id, "client_id": client_id, "html": message}
        await self.send(text_data=json.dumps(frame))


async def health(scope: dict, receive, send) -> None:
    """200 to every HTTP request: the bench only asks /healthz whether the process is up."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter(
    {
        "http": health,
        "websocket": URLRouter([path("ws/rooms/<slug>/", ChatConsumer.as_asgi())]),
    }
)
