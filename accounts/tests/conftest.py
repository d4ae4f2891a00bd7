"""Helpers for the account tests."""

import asyncio
from collections.abc import Callable

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.http import HttpResponse

from accounts.models import User
from nexus_live.events import access_group


async def heard_by_sockets_of(user: User, change: Callable[[], HttpResponse]) -> list[dict]:
    """What the person's open sockets hear while `change` runs (in the request thread)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(access_group(user.pk), channel)
    try:
        response = await database_sync_to_async(change)()
        assert response.status_code == 302, response.content.decode()[:2000]
        heard = []
        while True:
            try:
                event = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
                assert event.pop("group") == access_group(user.pk)
                heard.append(event)
            except TimeoutError:
                return heard
    finally:
        await layer.group_discard(access_group(user.pk), channel)
