"""The shell's own pages: home, search across everything, liveness and readiness."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from nexus_live import drain
from nexus_live.health import failing_checks
from nexus_live.text import SEARCH_MAX_QUERY, search_text


@login_required
def home(request: HttpRequest) -> HttpResponse:
    teams = request.user.teams.order_by("name")
    return render(request, "home.html", {"teams": teams})


SEARCH_IN = ("messages", "cards")


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """One search over the messages of the rooms and direct messages a person can see and the
    cards of their boards; `?in=messages` or `?in=cards` keeps one kind."""
    from boards import queries as boards
    from chat import queries as chat
    from chat.views import MESSAGE_CONTEXT

    text = search_text(request.GET.get("q", ""))
    kind = request.GET.get("in", "")
    kind = kind if kind in SEARCH_IN else ""
    messages = chat.search_messages(request.user, text) if kind != "cards" else []
    cards = boards.search_cards(request.user, text) if kind != "messages" else []
    context = {
        "q": text, "kind": kind, "messages": messages, "cards": cards,
        "limit": chat.SEARCH_LIMIT, "card_limit": boards.CARD_SEARCH_LIMIT,
        "max_query": SEARCH_MAX_QUERY, "nav": "search", **MESSAGE_CONTEXT,
    }  # fmt: skip
    return render(request, "search.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """503 names the services that failed; their errors (hosts, ports) only with DEBUG on.
    A process that is shutting down is not ready either: the proxy stops sending to it."""
    if drain.draining:
        return JsonResponse({"status": "draining"}, status=503)
    failures = failing_checks()
    if failures:
        body = {"status": "unavailable", "failed": list(failures)}
        if settings.DEBUG:
            body["errors"] = failures
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok"})
