"""A team's webhooks pages, for its owners (everyone else gets a 404: they cannot tell one
exists). Thin: who is asking, may they, parse input, call an action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policies
from accounts.models import Team
from webhooks import actions
from webhooks.forms import EndpointForm
from webhooks.models import Attempt, Delivery, Endpoint

DELIVERIES_SHOWN = 50
_SECRET = "webhook-secret-{}"  # noqa: S105 (a session key: it shows a new secret once)


def _get_team(request: HttpRequest, slug: str) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not policies.can_manage_team(request.user, team):
        raise Http404("No such page")
    return team


def _get_endpoint(request: HttpRequest, slug: str, endpoint_id: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=endpoint_id, team=_get_team(request, slug))


def _error(form: EndpointForm, exc: ValidationError) -> None:
    form.add_error("url" if "URL" in exc.messages[0] else None, exc)


@login_required
def endpoints(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team(request, slug)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = actions.create_endpoint(team=team, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(form, exc)
        else:
            request.session[_SECRET.format(endpoint.pk)] = endpoint.secret
            messages.success(request, "Webhook added. Copy its signing secret now.")
            return redirect("webhooks:detail", team.slug, endpoint.pk)
    context = {"team": team, "form": form, "endpoints": team.webhooks.all()}
    return render(request, "webhooks/list.html", context, status=400 if form.errors else 200)


@login_required
def detail(request: HttpRequest, slug: str, endpoint_id: int) -> HttpResponse:
    endpoint = _get_endpoint(request, slug, endpoint_id)
    form = EndpointForm(request.POST or None, initial=_initial(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_endpoint(endpoint=endpoint, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhooks:detail", slug, endpoint.pk)
    deliveries = (
        endpoint.deliveries.select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("started_at")))
        .order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]
    )
    context = {
        "team": endpoint.team,
        "endpoint": endpoint,
        "form": form,
        "secret": request.session.pop(_SECRET.format(endpoint.pk), None),
        "deliveries": deliveries,
    }
    return render(request, "webhooks/detail.html", context, status=400 if form.errors else 200)


def _initial(endpoint: Endpoint) -> dict:
    return {
        "url": endpoint.url,
        "format": endpoint.format,
        "kinds": endpoint.kinds,
        "description": endpoint.description,
    }


@login_required
@require_POST
def endpoint_op(request: HttpRequest, slug: str, endpoint_id: int, op: str) -> HttpResponse:
    endpoint = _get_endpoint(request, slug, endpoint_id)
    user = request.user
    if op == "rotate":
        request.session[_SECRET.format(endpoint.pk)] = actions.rotate_secret(
            endpoint=endpoint, user=user
        )
        messages.success(request, "New secret made. The old one signs too for a while.")
    elif op in ("pause", "resume"):
        actions.set_active(endpoint=endpoint, user=user, active=op == "resume")
        messages.success(request, "Webhook paused." if op == "pause" else "Webhook on again.")
    elif op == "test":
        actions.send_test(endpoint=endpoint, user=user)
        messages.success(request, "Test event sent: its delivery shows below.")
    elif op == "delete":
        actions.delete_endpoint(endpoint=endpoint, user=user)
        messages.success(request, f"Webhook to {endpoint.url} removed.")
        return redirect("webhooks:list", slug)
    else:
        raise Http404("No such action")
    return redirect("webhooks:detail", slug, endpoint.pk)


@login_required
@require_POST
def redeliver(request: HttpRequest, slug: str, endpoint_id: int, delivery_id: int) -> HttpResponse:
    endpoint = _get_endpoint(request, slug, endpoint_id)
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint)
    try:
        actions.redeliver(delivery=delivery, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Delivering again.")
    return redirect("webhooks:detail", slug, endpoint.pk)
