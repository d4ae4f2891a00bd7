"""The only code that talks to the channel layer: frames leave after the transaction that caused
them commits (or at once, for ephemeral ones), in one envelope for every live thing.

An outbound frame is ``{type, event, <ids>, html, data}`` (docs/decisions/007): ``html`` is the
partial rendered once for every page, ``data`` the same change as JSON built once for API
clients. ``<app>/events.py`` names an app's groups and builds its frames; sockets forward them.
"""

import asyncio
import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from nexus_live import metrics

log = logging.getLogger(__name__)
_held = threading.local()  # see held()
COALESCE_SECONDS = 1.0
# Per event loop: group -> the newest coalesced event waiting to go, and the tasks sending.
_due: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_sending: set[asyncio.Task] = set()


def frame(kind: str, **fields: object) -> str:
    """One outbound frame as the text every socket sends: ``{"type": kind, **fields}``.
    orjson: a message frame in under 1 us instead of 6-7 (its UTF-8 is left as it is)."""
    return orjson.dumps({"type": kind, **fields}, option=orjson.OPT_NON_STR_KEYS).decode()


def forward(text: str, **extra: object) -> dict:
    """A channel-layer event that every socket in the group sends on as it is."""
    return {"type": "live.frame", "frame": text, **extra}


# --- Groups every kind of socket shares --------------------------------------------------------
def access_group(user_pk: int) -> str:
    """Every live socket of one person: told when what they may see or do changes."""
    return f"access-{user_pk}"


def session_group(session_key: str | None) -> str | None:
    """Every live socket one signed-in session opened: closed when it signs out."""
    if not session_key:
        return None
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def access_changed(user_pk: int) -> None:
    """After commit, the person's open sockets look again at who they are and what they may
    see (a role, a membership, a password, deactivation): they adapt or close."""
    publish_on_commit(access_group(user_pk), {"type": "access.changed"})


def session_signed_out(session_key: str | None) -> None:
    group = session_group(session_key)
    if group:
        _send(group, {"type": "session.signed_out"})


# --- Publishing --------------------------------------------------------------------------------
def publish_on_commit(group: str, event: dict, *, coalesce: bool = False) -> None:
    """Send `event` to `group` once the current transaction commits; never if it rolls back.

    `coalesce`: the event states a newest value, ordered by its "order" (e.g. a room's latest
    message seq, for unread counts). Those from sockets' writes leave at most once per group
    every COALESCE_SECONDS, the highest only: a burst of posts costs one send, not one each."""
    transaction.on_commit(lambda: _send(group, event, coalesce), robust=True)


def publish_ephemeral(group: str, event: dict) -> None:
    """Now, not after a commit: typing and "is editing" write nothing to wait for. From a
    socket's write (see writes.py) it leaves from the event loop like every other event."""
    _send(group, event)


def _send(group: str, event: dict, coalesce: bool = False) -> None:
    held = getattr(_held, "events", None)
    if held is not None:
        held.append((group, event, coalesce))
    else:
        async_to_sync(publish_quietly)(group, event)


def _send_coalesced(group: str, event: dict) -> None:
    loop = asyncio.get_running_loop()
    due = _due.setdefault(loop, {})
    if group not in due:
        loop.call_later(COALESCE_SECONDS, _send_due, due, group)
    elif due[group]["order"] > event["order"]:
        return
    due[group] = event


def _send_due(due: dict, group: str) -> None:
    task = asyncio.ensure_future(publish_quietly(group, due.pop(group)))
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


async def send_held(events: list, *, concurrently: bool = False) -> None:
    """Send what `held` collected, in order. `concurrently` (a batch of posts): the events of
    different groups may overtake each other (each group's still go in order), and a group's
    plain frames go as one `live.frames` event: a batch of posts to a hundred rooms waits for
    its slowest room, not for a hundred round trips one after the other, and a batch of ten
    posts to one room is one publish."""
    by_group: dict[str, list[dict]] = {}
    for group, event, coalesce in events:
        if coalesce:
            _send_coalesced(group, event)
        elif concurrently:
            by_group.setdefault(group, []).append(event)
        else:
            await publish_quietly(group, event)
    if by_group:
        await asyncio.gather(*(_publish_in_order(g, evs) for g, evs in by_group.items()))


def _plain(event: dict) -> bool:
    return event.get("type") == "live.frame" and len(event) == 2


async def _publish_in_order(group: str, events: list[dict]) -> None:
    while events:
        if _plain(events[0]):
            run = 1
            while run < len(events) and _plain(events[run]):
                run += 1
            if run > 1:
                frames = [event["frame"] for event in events[:run]]
                await publish_quietly(group, {"type": "live.frames", "frames": frames})
                events = events[run:]
                continue
        await publish_quietly(group, events[0])
        events = events[1:]


async def publish_quietly(group: str, event: dict) -> None:
    """Publish; a failure (the channel layer is down) is logged, never raised: a committed
    write is caught up by event later, an ephemeral frame (presence) is simply lost."""
    try:
        await publish(group, event)
    except Exception:
        # The write is committed; clients catch up by event on their next sync.
        log.exception("publish to %s failed", group)


async def publish(group: str, event: dict) -> None:
    """At once, for ephemeral frames (presence, typing, editing) that write nothing."""
    layer = get_channel_layer()
    if layer is None:
        return
    started, outcome = time.perf_counter(), "error"
    try:
        # The group travels along: a socket in several (API clients) knows where it came from.
        await layer.group_send(group, {**event, "group": group})
        outcome = "ok"
    finally:
        metrics.LAYER_SEND_SECONDS.labels(outcome).observe(time.perf_counter() - started)


# --- Listening ---------------------------------------------------------------------------------
async def join(channel: str, groups: list[str]) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_add(group, channel)


async def leave(channel: str, groups: list[str]) -> None:
    layer = get_channel_layer()
    for group in groups:
        await layer.group_discard(group, channel)
