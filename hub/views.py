"""The hub's pages: a team's API schemas, the "Report an API problem" form of a board, and the
team's generated hub (read-only; public if an owner says so). Thin: who asks, may they, parse."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policies as account_policies
from accounts.models import Team
from boards.models import Board
from hub import actions, content, openapi, policies
from hub.models import ApiSchema
from nexus_live.markdown import render_markdown


def _get_team_for_member(request: HttpRequest, slug: str) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not policies.can_see_schemas(request.user, team):
        raise Http404("No such team")
    return team


def _get_schema(team: Team, version: int) -> ApiSchema:
    return get_object_or_404(ApiSchema, team=team, version=version)


@login_required
def schemas(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_member(request, slug)
    error, typed = None, {}
    if request.method == "POST":
        if not policies.can_register_schema(request.user, team):
            raise PermissionDenied("Only the team's owners register its API schema.")
        upload = request.FILES.get("file")
        pasted = request.POST.get("text", "")
        typed = {"url": request.POST.get("url", ""), "text": pasted}
        try:
            if upload is not None and upload.size > openapi.MAX_BYTES:
                raise ValidationError(f"The schema is over {openapi.MAX_BYTES // 1024} KB.")
            document = upload.read() if upload is not None else (pasted if pasted.strip() else None)
            schema = actions.register_schema(
                team=team, user=request.user, document=document, url=typed["url"]
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            if schema.is_ready:
                messages.success(request, f"Schema v{schema.version} registered.")
            else:
                messages.info(request, f"Schema v{schema.version}: fetching it from its URL.")
            return redirect(schema)
    context = {
        "team": team,
        "schemas": team.api_schemas.all(),
        "can_register": policies.can_register_schema(request.user, team),
        "error": error,
        "typed": typed,
    }
    return render(request, "hub/schemas.html", context, status=400 if error else 200)


@login_required
def schema(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    team = _get_team_for_member(request, slug)
    found = _get_schema(team, version)
    if request.GET.get("format") == "json" and found.is_ready:
        response = HttpResponse(found.as_json(), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="api-v{found.version}.json"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return render(request, "hub/schema.html", {"team": team, "schema": found})


def _get_board_for_reporter(request: HttpRequest, board_id: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("team"), pk=board_id)
    if not account_policies.can_view_space(request.user, board):
        raise Http404("No such board")
    if board.team is None:
        raise PermissionDenied(
            "API problems are reported on a team's board, against the team's API schema: "
            "this board has no team."
        )
    if not policies.can_report(request.user, board):
        raise PermissionDenied("You cannot add cards to this board.")
    return board


@login_required
def report(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_reporter(request, board_id)
    ready = board.team.api_schemas.filter(status=ApiSchema.Status.READY)
    chosen = ready.first()
    if request.POST.get("schema") or request.GET.get("schema"):
        wanted = request.POST.get("schema") or request.GET.get("schema")
        chosen = ready.filter(version=wanted).first() if str(wanted).isdigit() else None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if chosen is None:
            errors["schema"] = ["Pick a registered schema."]
        else:
            try:
                made = actions.report_problem(
                    board=board, user=request.user, schema=chosen, fields=request.POST
                )
            except ValidationError as exc:
                errors = (
                    exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                )
            else:
                messages.success(request, "Reported: the card shows what was expected.")
                return redirect(made.card)
    context = {
        "board": board,
        "team": board.team,
        "schemas": ready,
        "chosen": chosen,
        "errors": errors,
        "typed": request.POST,
    }
    return render(request, "hub/report.html", context, status=400 if errors else 200)


# --- the hub -------------------------------------------------------------------------------------


def hub_page(request: HttpRequest, slug: str, name: str = "README.md") -> HttpResponse:
    """One file of the hub, rendered: README.md, best_practices.md, challenges/…, api_docs/…
    Members read it all; anyone, signed in or not, reads what is public of a public hub."""
    team = get_object_or_404(Team.objects.select_related("hub"), slug=slug)
    audience = policies.hub_audience(request.user, team)
    if audience is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("No such hub")
    built = content.Hub(team, public=audience == "public")
    text = built.file(name)
    if text is None:
        raise Http404("No such page of the hub")
    is_json = name.endswith(".json")
    context = {
        "team": team,
        "hub": built,
        "name": name,
        "html": None if is_json else render_markdown(text),
        "raw": text if is_json else None,
        "audience": audience,
        "can_publish": policies.can_publish_hub(request.user, team),
        "is_public": built.is_public,
    }
    response = render(request, "hub/page.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_POST
def hub_visibility(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_member(request, slug)
    try:
        hub = actions.set_hub_public(
            team=team, user=request.user, public=request.POST.get("public") == "1"
        )
    except PermissionDenied:
        raise Http404("No such page") from None
    messages.success(request, "The hub is public." if hub.is_public else "The hub is private.")
    return redirect("hub:page", team.slug)
