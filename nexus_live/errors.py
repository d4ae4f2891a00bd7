"""Error pages in the app's look (400, 403, CSRF, 404, 500) and the short fragment an htmx
request gets instead of a page: a refused click never replaces the page it came from."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

# Marks a response whose body is an error fragment for the control that asked (static/js/errors.js).
INLINE_HEADER = "X-Inline-Error"
NOT_FOUND = "This page does not exist, or it is not yours to see."
FORBIDDEN = "You may not do that here."
SERVER_ERROR = "Something went wrong on our side; it is logged. Try again in a moment."
STALE_FORM = "This form has expired (the page was open for a long time, or you signed in again)."


def inline_error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    """`message` as a short fragment (role=alert) that the page shows beside the control."""
    response = render(request, "partials/inline_error.html", {"message": message}, status=status)
    response[INLINE_HEADER] = "true"
    return response


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _message(exception: Exception | None, default: str) -> str:
    """The text a view gave its exception (our own words), else `default`. A resolver's 404
    carries a dict of the URL patterns tried: never shown."""
    message = exception.args[0] if exception is not None and exception.args else None
    return message if isinstance(message, str) and message else default


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_htmx(request):
        return inline_error(request, NOT_FOUND, 404)
    return render(request, "404.html", {"request_path": request.path}, status=404)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _message(exception, FORBIDDEN)
    if _is_htmx(request):
        return inline_error(request, message, 403)
    return render(request, "403.html", {"message": message}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: what a person can do about it, not Django's explanation."""
    if _is_htmx(request):
        return inline_error(request, f"{STALE_FORM} Reload the page and try again.", 403)
    return render(request, "403_csrf.html", {"message": STALE_FORM}, status=403)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Without the request's context: a bad request (a forged Host, say) may not get one."""
    if _is_htmx(request):
        return inline_error(request, "That request could not be used. Reload the page.", 400)
    return HttpResponse(render_to_string("400.html"), status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """500.html is static: it renders with the database or the cache down."""
    if _is_htmx(request):
        body = render_to_string("partials/inline_error.html", {"message": SERVER_ERROR})
        response = HttpResponse(body, status=500)
        response[INLINE_HEADER] = "true"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


class ErrorPagesMiddleware:
    """Http404 and PermissionDenied raised by a view answer our pages (or fragments) also with
    DEBUG on, where Django would show its technical 404 to a person who followed a link to a
    deleted room. A URL that matches no pattern still gets Django's debug page in
    development (it lists the patterns). The API keeps its problem documents."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None
