"""Requests refused before any view runs: NUL characters in the address, parameters or cookies.

PostgreSQL cannot store or even compare text holding NUL (U+0000): any query that carries one
fails, which answered a 500 wherever a view passes a path segment, a filter or a form field on
to the database. No person types a NUL; it only comes from crafted or broken requests. One check
here, in front of every view (ours, allauth's and the admin's), is the depth at which it cannot
be forgotten by the next view, and every such request gets the same readable 400.
"""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict

NUL = "\x00"
REASON = "The address or the form contained a NUL character, which cannot be used."


def _has_nul(values: Iterable[str]) -> bool:
    return any(NUL in value for value in values)


def _params_have_nul(params: MultiValueDict) -> bool:
    return _has_nul(params.keys()) or _has_nul(v for _, vs in params.lists() for v in vs)


def has_nul(request: HttpRequest) -> bool:
    """Whether the path, a query or form parameter (name or value), or a cookie holds NUL.

    Reading request.POST here parses the body before CsrfViewMiddleware does (it reads it too);
    no view of ours reads the raw body or swaps upload handlers, which this would prevent.
    """
    if NUL in request.path_info or _params_have_nul(request.GET):
        return True
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return True
    return request.method == "POST" and _params_have_nul(request.POST)


class RejectNulMiddleware:
    """Answer 400 to a request with NUL anywhere a view might hand it to the database.

    It runs before the session and the user are loaded (a NUL session cookie would fail in
    their query too), so the page is rendered without a request context.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return HttpResponseBadRequest(render_to_string("400.html", {"reason": REASON}))
        return self.get_response(request)
