"""The Exports page: start one, watch it progress (live, over /ws/me/), download it. Thin: who
is asking, may they, parse, call the action. A file is only ever its owner's."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts import policies
from accounts.models import Team
from boards.models import Board
from chat.models import Room
from exports import actions, queries
from exports.models import Export, Format, Kind
from nexus_live.text import as_int


def _target(fields) -> dict:
    """The board or room a form names; one that does not exist is a 404, like one the person
    may not see (the action checks that)."""
    kind = fields.get("kind")
    found = None
    if kind == Kind.BOARD:
        try:
            board_id = as_int(fields.get("board"))
        except ValidationError:
            raise Http404("No such board") from None
        found = Board.objects.select_related("team").filter(pk=board_id).first()
    elif kind == Kind.ROOM:
        slug = str(fields.get("room", ""))[:100]
        found = Room.objects.select_related("team").filter(slug=slug).first()
    elif kind == Kind.HUB:
        found = Team.objects.filter(slug=str(fields.get("team", ""))[:90]).first()
        if found is None:
            raise Http404("No such team")
        return {"team": found}
    else:
        return {}
    if found is None:
        raise Http404(f"No such {kind}")
    return {kind: found}


@login_required
def exports(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        fields = request.POST
        try:
            export = actions.start_export(
                user=request.user, kind=fields.get("kind"), format=fields.get("format"),
                **_target(fields),
            )  # fmt: skip
        except PermissionDenied:
            raise Http404("No such board or room") from None
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{export.title}: the export is being written.")
            return redirect(export)
    context = {
        "exports": queries.exports_of(request.user)[: queries.LISTED],
        "offer": _offer(request),
        "hub_teams": queries.hub_teams(request.user),
        "error": error,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
        "nav": "exports",
    }
    return render(request, "exports/exports.html", context, status=400 if error else 200)


def _offer(request: HttpRequest) -> dict | None:
    """An export a page sent the person here to start (a board too large to answer at once):
    a button, never started by the GET itself."""
    wanted = request.GET
    if wanted.get("kind") != Kind.BOARD or wanted.get("format") not in Format.values:
        return None
    try:
        board = Board.objects.select_related("team").filter(pk=as_int(wanted.get("board"))).first()
    except ValidationError:
        return None
    if board is None or not policies.can_export(request.user, board):
        return None
    return {"board": board, "format": Format(wanted["format"])}


@login_required
@require_GET
def download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = queries.export_for(request.user, export_id)
    if export is None or export.status != Export.Status.DONE:
        raise Http404("No such export")
    return file_response(export)


def file_response(export: Export) -> FileResponse:
    """The file, as a download whatever its type; a browser told to open it runs nothing."""
    try:
        handle = default_storage.open(export.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file") from None
    response = FileResponse(
        handle, content_type=export.content_type, as_attachment=True, filename=export.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
