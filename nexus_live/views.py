"""The shell's own pages: home, liveness and readiness."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
    failures = failing_checks()
    if failures:
        return JsonResponse({"status": "unavailable", "failed": failures}, status=503)
    return JsonResponse({"status": "ok"})
