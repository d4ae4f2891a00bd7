"""Database work for sockets: run in a pool of database threads, events sent from the loop.

A socket's write used to run in Django's one thread-sensitive thread, which also waited on the
event loop to send each event: every socket of the process queued behind it (decision 006).
"""

import asyncio
import functools
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections

from nexus_live import events as live_events
from nexus_live import logs, metrics

# A connection this thread used less than this long ago skips Django's per-request health
# check (a SELECT 1 before every write): the check is for connections that sat idle (a
# restarted or timed-out server). HikariCP's "alive bypass window" is the same idea. With
# psycopg's pool (DATABASE_POOL, CONN_MAX_AGE=0) a connection goes back to the pool after each
# write and the pool checks it on checkout: the window then finds none to skip.
CHECK_AFTER_IDLE = 1.0  # seconds
_thread = threading.local()


@functools.cache
def _pool() -> ThreadPoolExecutor | None:
    count = settings.DATABASE_WRITE_THREADS
    return ThreadPoolExecutor(count, thread_name_prefix="write") if count else None


def _recycle_connections() -> None:
    """What Django does between requests (close broken or too old connections), in the
    thread that holds them; then skip the health check of a connection in steady use."""
    close_old_connections()
    if time.monotonic() - getattr(_thread, "last_write", float("-inf")) < CHECK_AFTER_IDLE:
        for connection in connections.all(initialized_only=True):
            connection.health_check_done = connection.connection is not None


async def write(action, /, *args, **kwargs):
    """Run `action(*args, **kwargs)` (blocking) for a socket, in a thread with its own
    database connection: a pool of DATABASE_WRITE_THREADS (0: Django's one shared thread),
    so one write waiting on the database does not hold up the process's other sockets. Each
    socket still handles its frames one at a time. Events the write commits are sent from
    here, on the event loop; if it fails after a commit, those are still sent, then the error
    is raised."""
    return await _run("write", action, *args, **kwargs)


async def _run(kind: str, action, /, *args, **kwargs):
    result, events, error = await _in_thread(kind, action, *args, **kwargs)
    await live_events.send_held(events)
    if error is not None:
        raise error
    return result


async def _in_thread(
    kind: str, action, /, *args, **kwargs
) -> tuple[object, list, Exception | None]:
    """`action`'s result (or error) and the events it committed, not yet sent."""

    def run():
        _recycle_connections()
        with live_events.held() as events:
            try:
                return action(*args, **kwargs), events, None
            except Exception as exc:
                return None, events, exc
            finally:
                close_old_connections()
                _thread.last_write = time.monotonic()

    pool = _pool()
    started = time.perf_counter()
    try:
        return await SyncToAsync(run, thread_sensitive=pool is None, executor=pool)()
    finally:
        metrics.DATABASE_SECONDS.labels(kind).observe(time.perf_counter() - started)


async def read(query, /, *args, **kwargs):
    """A socket's read (catch-up, access checks, heartbeats), in the same pool: a long one
    never queues the process's other sockets behind Django's one shared database thread."""
    return await _run("read", query, *args, **kwargs)


class Batch:
    """Calls from every socket of the process that arrive together go to `action` as one list
    in one `write`: the calls of one turn of the event loop (WINDOW), and those that came
    while the previous batch was being written (group commit). `action(items)` returns one
    result per item, in order: a value, or the exception that item alone raises. Each socket
    still awaits its own call, so its frames keep their order.

    `lane(item)` spreads items over `lanes` queues, each with one batch in flight: items that
    must stay in order (the posts of one room) share a lane; different lanes write side by
    side, in threads of their own."""

    WINDOW = 0.0  # seconds: a yield to the loop
    MAX_SIZE = 256

    def __init__(self, action, *, lanes: int = 1, lane=None) -> None:
        self.action = action
        self.lanes = lanes
        self.lane = lane
        self._queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per loop

    async def __call__(self, item):
        loop = asyncio.get_running_loop()
        queues = self._queues.get(loop)
        if queues is None:
            queues = self._queues[loop] = [_Queue() for _ in range(self.lanes)]
        queue = queues[self.lane(item) % self.lanes if self.lane else 0]
        future = loop.create_future()
        queue.items.append((item, future, logs.context.get()))
        if queue.task is None:
            queue.task = loop.create_task(self._drain(queue))
        return await future

    async def _drain(self, queue: "_Queue") -> None:
        """Write batch after batch while calls keep coming. A batch's events are sent (then
        its callers answered) while the next one is written; each batch's sending waits for
        the previous one's, so a group never gets a later batch's frames first."""
        await asyncio.sleep(self.WINDOW)
        loop = asyncio.get_running_loop()
        try:
            while queue.items:
                taken, queue.items = queue.items[: self.MAX_SIZE], queue.items[self.MAX_SIZE :]
                # This task holds the context of the call that started it: its lines (and the
                # write thread's, which copies it) are about every socket of the batch.
                logs.context.set(logs.merged([context for _, _, context in taken]))
                results, events, error = await _in_thread(
                    "write", self.action, [item for item, _, _ in taken]
                )
                if error is not None:  # the whole write failed: every caller hears it
                    results = [error] * len(taken)
                queue.sending = loop.create_task(_answer(queue.sending, events, taken, results))
        finally:
            queue.task = None


async def _answer(previous: asyncio.Task | None, events: list, taken: list, results: list) -> None:
    if previous is not None:
        await asyncio.wait([previous])
    await live_events.send_held(events, concurrently=True)
    for (_, future, _), result in zip(taken, results, strict=True):
        if future.done():  # its socket went away
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


class _Queue:
    def __init__(self) -> None:
        # (item, its caller's future, its caller's log context)
        self.items: list[tuple[object, asyncio.Future, dict | None]] = []
        self.task: asyncio.Task | None = None
        self.sending: asyncio.Task | None = None  # the last batch's events and answers
