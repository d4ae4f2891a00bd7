"""/queue/: the mentor help queue (decision 023) and its "I'm on it". Thin: who is asking,
may they, call the query or the action."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policies
from boards.actions.challenges import question_title
from chat import actions, queries
from nexus_live.errors import inline_error


def _mentor(request: HttpRequest) -> None:
    if not policies.can_see_queue(request.user):
        raise PermissionDenied("The help queue is for mentors.")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _mentor(request)
    questions = queries.help_queue(request.user)
    for question in questions:
        question.title = question_title(question.body)
    return render(request, "chat/queue.html", {"questions": questions, "nav": "queue"})


@login_required
@require_POST
def claim(request: HttpRequest, message_id: int) -> HttpResponse:
    """POST claimed=true ("I'm on it") or false ("Leave it"); every queue shows it live."""
    _mentor(request)
    question = get_object_or_404(queries.questions_visible_to(request.user), pk=message_id)
    claimed = request.POST.get("claimed", "true") != "false"
    try:
        actions.claim_question(message=question, user=request.user, claimed=claimed)
    except (ValidationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        text = str(exc) if status == 403 else exc.messages[0]
        if request.htmx:
            return inline_error(request, text, status)
        flash.error(request, text)
        return redirect("queue:list")
    if request.htmx:
        return HttpResponse(status=204)
    return redirect("queue:list")


@login_required
def times(request: HttpRequest) -> HttpResponse:
    """Per room and week: time to first reply and to resolution, charted and as a table."""
    _mentor(request)
    context = {"times": queries.response_times(request.user), "nav": "queue"}
    return render(request, "chat/queue_times.html", context)
