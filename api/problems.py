"""One error shape for the whole API: `application/problem+json` (RFC 9457), with a stable
`code` a client can switch on and `detail` a person can read."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from nexus_live.ratelimit import RateLimited

CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Too large",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
    500: "Server error",
}


def problem(status_code: int, code: str, detail: str, **extra: object) -> JsonResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "code": code,
        "detail": detail,
        **extra,
    }
    return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)


def _detail_text(detail: object) -> str:
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    return str(detail)


def handle(exc: Exception, context: dict):
    """DRF's exception handler, in the problem shape; the domain's own errors (from actions
    and policies) map to the same statuses the pages use."""
    if isinstance(exc, RateLimited):
        response = problem(429, "rate_limited", exc.messages[0])
        response["Retry-After"] = str(max(1, round(exc.retry_after + 0.5)))
        return response
    if isinstance(exc, ValidationError):
        return problem(400, "invalid", " ".join(exc.messages))
    if isinstance(exc, PermissionDenied):
        return problem(403, "forbidden", str(exc) or "You may not do that.")
    if isinstance(exc, Http404):
        return problem(404, "not_found", "Nothing here, or not for you.")
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 (the middleware below answers it as a problem)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    extra: dict[str, object] = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = exc.detail
    result = problem(response.status_code, code, _detail_text(exc.detail), **extra)
    if isinstance(exc, exceptions.Throttled):
        result = problem(429, "rate_limited", _detail_text(exc.detail))  # RateLimit: middleware
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in result:
        result["WWW-Authenticate"] = 'Bearer realm="api"'
    return result
