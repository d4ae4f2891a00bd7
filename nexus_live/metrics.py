"""Prometheus metrics: what each web process counts, and `/metrics`, which sums every process.

With several daphne processes, prometheus-client runs in multiprocess mode: the environment
variable PROMETHEUS_MULTIPROC_DIR (set before the process starts; `make cluster` and compose
set it) names a directory where each process keeps its values in files of its own; a scrape
of any one process reads them all. The directory must be emptied before the processes start.
A process that exits removes its live gauges (`mark_process_dead`, at exit); whoever restarts
a killed one calls it for the dead PID (bench/cluster.py does). Without the variable, one
process counts in memory as usual (the embedded default, tests).

Labels are bounded: routes are resolved URL names (never paths), frame types and actions are
our own names (an action a client made up counts as "unknown").
"""

import asyncio
import atexit
import hmac
import ipaddress
import os
import weakref

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# Seconds: fast things (a Redis publish, a one-row insert) to slow pages.
FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
PAGE = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_INTERVAL = 0.5  # seconds between the event loop's lag probes

HTTP_REQUESTS = Counter(
    "nexus_http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "nexus_http_request_duration_seconds", "Time to answer an HTTP request", ["route"],
    buckets=PAGE,
)  # fmt: skip
SOCKETS_OPEN = Gauge(
    "nexus_sockets_open", "WebSockets open now", ["kind"], multiprocess_mode="livesum"
)
FRAMES_IN = Counter("nexus_frames_in_total", "Frames received from clients", ["action"])
FRAMES_OUT = Counter("nexus_frames_out_total", "Frames sent to clients", ["type"])
WRITES = Counter("nexus_writes_total", "Committed posts and edits", ["what"])
CATCH_UP_FRAMES = Histogram(
    "nexus_catch_up_frames", "Frames one catch-up (connect or sync) sent",
    buckets=(0, 1, 5, 10, 25, 50, 100, 250, 500, 1000),
)  # fmt: skip
LAYER_SEND_SECONDS = Histogram(
    "nexus_channel_layer_send_seconds", "Time of one group_send to the channel layer",
    ["outcome"], buckets=FAST,
)  # fmt: skip
DATABASE_SECONDS = Histogram(
    "nexus_database_call_seconds",
    "Time of one socket database call in the write pool, waiting for a thread included",
    ["kind"], buckets=FAST,
)  # fmt: skip
LOOP_LAG_SECONDS = Histogram(
    "nexus_event_loop_lag_seconds",
    f"How late a {LAG_INTERVAL} s timer fired on the event loop (time other work held it)",
    buckets=FAST,
)  # fmt: skip


# --- Counting ----------------------------------------------------------------------------------
def route_of(request: HttpRequest) -> str:
    """The resolved URL name ("chat:room"), else the route pattern; never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return match.view_name or match.route or "<unnamed>"


def http_request(route: str, method: str, status: int, seconds: float) -> None:
    # Methods outside the usual few are one label: a client chooses them.
    if method not in ("GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"):
        method = "other"
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_SECONDS.labels(route).observe(seconds)


def written(what: str) -> None:
    """Count `what` ("message_posted", "card_edited", ...) once the transaction commits."""
    transaction.on_commit(WRITES.labels(what).inc, robust=True)


def frame_type(text: str) -> str:
    """The type of one of our outbound frames, which events.frame() always writes first."""
    prefix = '{"type":"'
    if not text.startswith(prefix):
        return "other"
    end = text.find('"', len(prefix))
    return text[len(prefix) : end] if 0 < end - len(prefix) <= 40 else "other"


# --- Event-loop lag: one small task per loop ---------------------------------------------------
_watched: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()
_lag_tasks: set[asyncio.Task] = set()


async def _watch_lag() -> None:
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + LAG_INTERVAL
        await asyncio.sleep(LAG_INTERVAL)
        LOOP_LAG_SECONDS.observe(max(0.0, loop.time() - due))


def watch_event_loop() -> None:
    """Start measuring this event loop's lag, once per loop."""
    loop = asyncio.get_running_loop()
    if loop in _watched:
        return
    _watched.add(loop)
    task = loop.create_task(_watch_lag())
    _lag_tasks.add(task)
    task.add_done_callback(_lag_tasks.discard)


class WatchEventLoop:
    """ASGI middleware: the first connection of any kind starts the lag probe on its loop.
    It answers the application's own awaitable, holding no frame of its own for as long as
    a socket lives (nexus_live/asgi.py)."""

    _asgi_single_callable = True

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, scope, receive, send):
        watch_event_loop()
        return self.app(scope, receive, send)


# --- Exposing ----------------------------------------------------------------------------------
class BacklogCollector:
    """Background work waiting, read from the database at each scrape: one answer whichever
    process is asked, and it counts for workers that no scrape reaches (other containers)."""

    def collect(self):
        from webhooks.queries import backlog  # webhooks build on nexus_live

        try:
            waiting = backlog()
        except Exception:  # the database is down: /readyz says so; the rest still answers
            return
        for name, (text, value) in waiting.items():
            yield GaugeMetricFamily(f"nexus_{name}", text, value=value)


# --- Background tasks: counted where every process (web or worker) sees the same numbers --------
# A worker's counters could not be scraped (no HTTP in it; one container each in compose):
# failures are counted in the shared cache (Redis) by the worker, the queue read from the broker,
# both at each scrape, so any web process answers for every worker.
TASK_FAILURES_KEY = "metrics:task-failures:"


def task_failed(sender=None, **kwargs) -> None:
    """Celery's task_failure signal (in the worker): one more failure of this task."""
    from django.core.cache import cache

    key = TASK_FAILURES_KEY + str(getattr(sender, "name", "") or "unknown")
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # noqa: S110 (the cache's Redis is down: the failure is logged by Celery)
        pass


def _our_tasks() -> list[str]:
    from nexus_live.celery import app

    return sorted(name for name in app.tasks if not name.startswith("celery."))


def tasks_queued() -> int | None:
    """Messages waiting in the broker's queue (CELERY_TASK_DEFAULT_QUEUE): Redis or RabbitMQ.
    None without a broker (tasks run at once) or when it does not answer."""
    from kombu.exceptions import ChannelError

    from nexus_live.celery import app

    if app.conf.task_always_eager:
        return None
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            try:
                declared = conn.default_channel.queue_declare(
                    queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=True
                )
            except ChannelError:  # no such queue yet: nothing was ever queued (or all taken)
                return 0
            return declared.message_count
    except Exception:
        return None


class TaskCollector:
    def collect(self):
        from django.core.cache import cache

        failures = CounterMetricFamily(
            "nexus_task_failures", "Background tasks that raised (every worker)", labels=["task"]
        )
        names = _our_tasks()
        try:
            counted = cache.get_many([TASK_FAILURES_KEY + name for name in names])
        except Exception:  # the cache's Redis is down: no figure rather than a wrong one
            counted = None
        if counted is not None:
            for name in names:
                failures.add_metric([name], counted.get(TASK_FAILURES_KEY + name, 0))
            yield failures
        queued = tasks_queued()
        if queued is not None:
            yield GaugeMetricFamily(
                "nexus_tasks_queued", "Tasks waiting in the broker's queue for a worker", queued
            )


def collect() -> bytes:
    """Every process's metrics (multiprocess mode) or this process's, the backlog and the
    background tasks."""
    if MULTIPROCESS_DIR:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector())
    backlog.register(TaskCollector())
    return processes + generate_latest(backlog)


def _from_loopback(request: HttpRequest) -> bool:
    """Asked on this machine, directly: a request the proxy forwarded carries
    X-Forwarded-For and comes from outside, whatever address daphne reports for it."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Not public: loopback only, or `Authorization: Bearer <METRICS_TOKEN>`."""
    if not (_has_token(request) or _from_loopback(request)):
        return HttpResponseForbidden("Metrics are for loopback or a bearer token.\n")
    return HttpResponse(collect(), content_type=CONTENT_TYPE_LATEST)


def _process_exits() -> None:
    if MULTIPROCESS_DIR:
        _multiprocess.mark_process_dead(os.getpid(), MULTIPROCESS_DIR)


atexit.register(_process_exits)
