"""Structured logs: one JSON object per line, carrying who and where (request or socket id,
user id, space) from a context variable that HTTP requests and sockets set.

`LOG_FORMAT=json` (the default with DEBUG off) or `plain`. Nothing here logs what people
write: a frame's body never reaches a log record (sockets log actions and error codes only).
"""

import json
import logging
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from nexus_live import metrics

# What the current request or socket is: request_id / socket_id, user, space. Each socket is
# a task of its own (daphne starts one per connection), so setting it there stays there. A
# write thread gets a copy (asgiref's SyncToAsync runs it in the caller's context); a group
# commit's batch, written for several sockets, gets them all (writes.Batch, `merged`).
context: ContextVar[dict[str, object] | None] = ContextVar("nexus_log_context", default=None)

log = logging.getLogger("nexus_live.http")

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def bind(**values: object) -> None:
    """Add to this task's log context (a copy: a parent's context is never changed)."""
    context.set({**(context.get() or {}), **values})


def merged(contexts: list[dict[str, object] | None]) -> dict[str, object]:
    """One context for work done for several sockets at once (a group commit's batch): each
    key's value where they agree, else the list of their different values."""
    values: dict[str, list[object]] = {}
    for each in contexts:
        for key, value in (each or {}).items():
            seen = values.setdefault(key, [])
            if value not in seen:
                seen.append(value)
    return {key: seen[0] if len(seen) == 1 else seen for key, seen in values.items()}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(context.get() or {})
        for key, value in vars(record).items():  # extra={...} of the call
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RequestLogMiddleware:
    """One line per HTTP request: method, route, status, duration; request id from the proxy
    (X-Request-ID, which it sets and overwrites) or made here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        token = context.set({"request_id": request_id[:64]})
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                bind(user=user.pk)
            match = request.resolver_match
            duration = time.perf_counter() - started
            metrics.http_request(
                metrics.route_of(request), request.method, response.status_code, duration
            )
            log.info(
                "%s %s %s",
                request.method,
                match.route if match else "<unmatched>",
                response.status_code,
                extra={
                    "method": request.method,
                    "route": match.route if match else "<unmatched>",
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                },
            )
            response.headers.setdefault("X-Request-ID", request_id[:64])
            return response
        finally:
            context.reset(token)
