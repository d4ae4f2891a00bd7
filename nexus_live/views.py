"""The shell's own pages: home, liveness and readiness."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from nexus_live import drain
from nexus_live.health import failing_checks


@login_required
def home(request: HttpRequest) -> HttpResponse:
    teams = request.user.teams.order_by("name")
    return render(request, "home.html", {"teams": teams})


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
