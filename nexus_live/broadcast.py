"""The only caller of group_send: events leave after the transaction that caused them commits."""

import asyncio
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)
_held = threading.local()  # see held()
COALESCE_SECONDS = 1.0
# Per event loop: group -> the newest coalesced event waiting to go, and the tasks sending.
_due: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_sending: set[asyncio.Task] = set()


def broadcast_on_commit(group: str, event: dict, *, coalesce: bool = False) -> None:
    """Send `event` to `group` once the current transaction commits; never if it rolls back.

    `coalesce`: the event states a newest value, ordered by its "seq" (e.g. a room's latest
    message, for unread counts). Those from sockets' writes leave at most once per group every
    COALESCE_SECONDS, the highest seq only: a burst of posts costs one send, not one each."""
    transaction.on_commit(lambda: _send(group, event, coalesce), robust=True)


def _send(group: str, event: dict, coalesce: bool = False) -> None:
    held = getattr(_held, "events", None)
    if held is not None:
        held.append((group, event, coalesce))
    else:
        async_to_sync(_send_now)(group, event)


def _send_coalesced(group: str, event: dict) -> None:
    loop = asyncio.get_running_loop()
    due = _due.setdefault(loop, {})
    if group not in due:
        loop.call_later(COALESCE_SECONDS, _send_due, due, group)
    elif due[group]["seq"] > event["seq"]:
        return
    due[group] = event


def _send_due(due: dict, group: str) -> None:
    task = asyncio.ensure_future(_send_now(group, due.pop(group)))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


@contextmanager
def held() -> Iterator[list]:
    """While open (in one thread), committed events are collected in the list it yields
    instead of sent: the caller sends them with `send_held`, from the event loop."""
    _held.events = events = []
    try:
        yield events
    finally:
        _held.events = None


async def send_held(events: list) -> None:
    for group, event, coalesce in events:
        if coalesce:
            _send_coalesced(group, event)
        else:
            await _send_now(group, event)


async def _send_now(group: str, event: dict) -> None:
    try:
        await broadcast_now(group, event)
    except Exception:
        # The write is committed; clients catch up by seq on their next sync.
        log.exception("broadcast to %s failed", group)


async def broadcast_now(group: str, event: dict) -> None:
    """For ephemeral events (presence, typing) that write nothing: no transaction to wait for."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, event)
