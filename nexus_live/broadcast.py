"""The only caller of group_send: events leave after the transaction that caused them commits."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def broadcast_on_commit(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits; never if it rolls back."""
    transaction.on_commit(lambda: _send(group, event), robust=True)


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # The write is committed; clients catch up by seq on their next sync.
        log.exception("broadcast to %s failed", group)


async def broadcast_now(group: str, event: dict) -> None:
    """For ephemeral events (presence, typing) that write nothing: no transaction to wait for."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, event)
