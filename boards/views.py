"""Board pages. Thin: who is asking, may they, then render."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts import policies
from boards.models import Board, Card


def _get_board_for_user(request: HttpRequest, board_id: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("team"), pk=board_id)
    if not policies.can_view_space(request.user, board):
        raise Http404("No such board")
    return board


@login_required
def boards(request: HttpRequest) -> HttpResponse:
    visible = Board.objects.visible_to(request.user).select_related("team").order_by("name")
    return render(request, "boards/boards.html", {"boards": visible, "nav": "boards"})


@login_required
def detail(request: HttpRequest, board_id: int) -> HttpResponse:
    board = _get_board_for_user(request, board_id)
    columns = board.columns.prefetch_related(
        Prefetch("cards", queryset=Card.objects.order_by("position"))
    )
    context = {"board": board, "columns": columns, "nav": "boards"}
    return render(request, "boards/board.html", context)
