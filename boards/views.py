"""Board pages and their HTTP endpoints. Thin: who is asking, may they, parse, call an action."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policies
from accounts.models import Team
from boards import actions, queries
from boards.forms import BoardForm
from boards.models import Board, Card, Column, Label
from exports import formats
from exports.models import CONTENT_TYPES
from hub.queries import report_context
from nexus_live.markdown import render_markdown
from nexus_live.text import as_int


def _get_board_for_user(request: HttpRequest, board_id: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("team"), pk=board_id)
    if not policies.can_view_space(request.user, board):
        raise Http404("No such board")
    return board


def _column_of(board: Board, value: str | None) -> Column | None:
    """The board's column with the id a form sent; None for no such column or not an id."""
    try:
        return board.columns.filter(pk=as_int(value)).first()
    except ValidationError:
        return None


@login_required
def boards(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.contributable_by(request.user)
    form = BoardForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            board = actions.create_board(
                user=request.user,
                name=form.cleaned_data["name"],
                team=form.team(),
                public=form.team() is None or form.cleaned_data["public"],
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect(board)
    visible = Board.objects.visible_to(request.user).select_related("team").order_by("name")
    context = {"boards": visible, "form": form, "nav": "boards"}
    return render(request, "boards/boards.html", context, status=400 if form.errors else 200)


@login_required
def detail(request: HttpRequest, board_id: int) -> HttpResponse:
    with policies.roles_remembered(request.user):  # view, edit, manage: one role query
        return _detail(request, board_id)


def _detail(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    event = board.last_event  # read before the cards: a change after it is sent again on connect
    filters = {name: request.GET.get(name, "").strip() for name in queries.FILTERS}
    context = queries.board_context(board, queries.filter_cards(board, filters))
    context.update(
        event=event,
        filters=filters,
        filtering=any(filters.values()),
        can_edit=policies.can_edit_board(request.user, board),
        can_manage=policies.can_manage_space(request.user, board),
        all_tags=queries.tags_on(board),
        people=policies.assignable_people(board),
        nav="boards",
    )
    return render(request, "boards/board.html", context)


def _card_context(request: HttpRequest, board: Board, card: Card) -> dict[str, object]:
    question = card.source
    return {
        "can_see_thread": question is not None
        and policies.can_view_space(request.user, question.room),
        "board": board,
        "card": card,
        "event": board.last_event,
        "can_edit": policies.can_edit_board(request.user, board),
        "people": policies.assignable_people(board),
        "all_tags": queries.tags_visible_to(request.user),
        "activity": card.activity.select_related("actor")[:50],
        "labels": board.labels.all(),
        "comments": card.comments.filter(deleted_at__isnull=True)
        .select_related("author")
        .prefetch_related("mentions")[:500],
        "can_manage": policies.can_manage_space(request.user, board),
        "problem_html": render_markdown(card.problem),
        "solution_html": render_markdown(card.solution),
        "api_report": report_context(card),
        "nav": "boards",
    }


@login_required
def card(request: HttpRequest, board_id: int, card_id: int) -> HttpResponse:
    """The card's permalink; htmx asks for just its editor. POST saves (without JavaScript)."""
    board = _get_board_for_user(request, board_id)
    card = get_object_or_404(
        Card.objects.select_related("column", *queries.CARD_SOURCE).prefetch_related(
            "tags", "assignees", "labels"
        ),
        pk=card_id, board=board,
    )  # fmt: skip
    if request.method == "POST":
        fields = {name: request.POST.get(name, "") for name in actions.TEXT_FIELDS | {"title"}}
        fields["tags"] = request.POST.get("tags", "")
        fields["due"] = request.POST.get("due", "")
        try:
            fields["assignees"] = [int(pk) for pk in request.POST.getlist("assignees")]
            fields["labels"] = [int(pk) for pk in request.POST.getlist("labels")]
            version = int(request.POST.get("version", ""))
            edit = actions.update_card(
                card=card, user=request.user, base_version=version, changes=fields
            )
        except ValueError:
            flash.error(request, "The form was incomplete; reload the card and try again.")
        except ValidationError as exc:
            flash.error(request, exc.messages[0])
        else:
            if edit.conflicts:
                flash.warning(
                    request,
                    "Someone changed the same lines meanwhile: both texts are kept, marked "
                    f"<<<<<<< … >>>>>>> in {', '.join(edit.conflicts)}. Resolve and save.",
                )
            elif edit.merged:
                flash.success(request, "Saved, merged with changes made meanwhile.")
            else:
                flash.success(request, "Saved.")
        return redirect(card)
    context = _card_context(request, board, card)
    template = "boards/card.html#editor" if request.htmx else "boards/card.html"
    return render(request, template, context)


@login_required
@require_POST
def add_card(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    column = _column_of(board, request.POST.get("column"))
    try:
        actions.create_card(
            board=board, user=request.user, column=column, title=request.POST.get("title", "")
        )
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(board)


@login_required
@require_POST
def archive(request: HttpRequest, board_id: int, card_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    card = get_object_or_404(Card, pk=card_id, board=board)
    archived = request.POST.get("archived") == "1"
    actions.archive_card(card=card, user=request.user, archived=archived)
    flash.success(request, "Card archived." if archived else "Card restored.")
    return redirect(card if not archived else board)


@login_required
@require_POST
def add_column(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    try:
        actions.add_column(board=board, user=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(board)


@login_required
@require_POST
def column(request: HttpRequest, board_id: int, column_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    target = get_object_or_404(Column.objects.select_related("board"), pk=column_id, board=board)
    op = request.POST.get("op")
    try:
        if op == "rename":
            actions.rename_column(column=target, user=request.user, name=request.POST.get("name"))
        elif op in ("left", "right"):
            actions.move_column(column=target, user=request.user, offset=-1 if op == "left" else 1)
        elif op == "remove":
            move_to = _column_of(board, request.POST.get("move_to"))
            actions.remove_column(column=target, user=request.user, move_to=move_to)
        else:
            raise ValidationError("Choose rename, left, right or remove.")
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        if request.htmx:  # the page shows it inline, in place of nothing
            status = 400 if isinstance(exc, ValidationError) else 403
            return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        flash.error(request, message)  # said on the board, not on a bare 403 page
    return redirect(board)


@login_required
@require_POST
def comment(request: HttpRequest, board_id: int, card_id: int) -> HttpResponse:
    """A comment without JavaScript (the page sends it over its socket)."""
    board = _get_board_for_user(request, board_id)
    card = get_object_or_404(Card.objects.select_related("board"), pk=card_id, board=board)
    try:
        actions.add_comment(card=card, user=request.user, body=request.POST.get("body", ""))
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(card)


@login_required
@require_POST
def add_label(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    try:
        actions.create_label(
            board=board, user=request.user,
            name=request.POST.get("name", ""), colour=request.POST.get("colour", ""),
        )  # fmt: skip
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(board)


@login_required
@require_POST
def label(request: HttpRequest, board_id: int, label_id: int) -> HttpResponse:
    """Remove a label (from the board and every card that had it)."""
    board = _get_board_for_user(request, board_id)
    target = get_object_or_404(Label.objects.select_related("board"), pk=label_id, board=board)
    actions.remove_label(label=target, user=request.user)
    flash.success(request, f"Label “{target.name}” removed.")
    return redirect(board)


@login_required
def archived(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    cards = board.cards.filter(archived_at__isnull=False).select_related("column")
    context = {"board": board, "cards": cards.order_by("-archived_at"), "nav": "boards"}
    return render(request, "boards/archived.html", context)


@login_required
def activity(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    entries = board.activity.select_related("actor", "card")[:200]
    context = {"board": board, "activity": entries, "show_cards": True, "nav": "boards"}
    return render(request, "boards/activity.html", context)


@login_required
def export(request: HttpRequest, board_id: int, fmt: str) -> HttpResponse:
    """The first export addresses, kept: a board of up to EXPORT_INLINE_MAX_CARDS cards is
    answered at once; a larger one is offered as a background export (docs/decisions/020)."""
    if fmt not in ("md", "json"):
        raise Http404("No such export format")
    board = _get_board_for_user(request, board_id)
    if formats.board_cards(board).count() > settings.EXPORT_INLINE_MAX_CARDS:
        return redirect(f"{reverse('exports:list')}?kind=board&board={board.pk}&format={fmt}")
    writer = formats.board_json if fmt == "json" else formats.board_markdown
    response = HttpResponse("".join(text for text, _ in writer(board)))
    response["Content-Type"] = CONTENT_TYPES[fmt]
    response["Content-Disposition"] = f'attachment; filename="board-{board.pk}.{fmt}"'
    return response


@login_required
def similar(request: HttpRequest) -> HttpResponse:
    """ "Already solved?": the solved challenges like the question being typed, as a fragment
    beside the field that asks (a room's composer sends `body`, the new-card form `title`)."""
    text = next((request.GET[k] for k in ("q", "body", "title") if request.GET.get(k)), "")
    cards = queries.similar_solved(request.user, text)
    return render(request, "boards/similar.html", {"similar": cards})
