"""Profile and team pages. Thin: who is asking, may they, parse input, call an action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import actions, policies
from accounts import unsubscribe as unsubscribing
from accounts.forms import InviteForm, ProfileForm, RoleForm, TeamForm
from accounts.models import Invite, Role, Team, User
from nexus_live.errors import inline_error


def _get_team_for_user(request: HttpRequest, slug: str) -> Team:
    """The team, if the person may see it; outsiders get a 404 so names do not leak."""
    team = get_object_or_404(Team, slug=slug)
    if not policies.can_view_team(request.user, team):
        raise Http404("No such team")
    return team


def _team_context(request: HttpRequest, team: Team, **extra: object) -> dict[str, object]:
    rank = Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(Role.values)),
        output_field=IntegerField(),
    )
    memberships = team.memberships.select_related("user").order_by(rank, "user__email")
    context = {
        "team": team,
        "memberships": memberships,
        "my_role": Role(policies.role_of(request.user, team)).label,
        "can_manage": policies.can_manage_team(request.user, team),
        "can_leave": policies.can_leave_team(request.user, team),
        "invites": team.invites.usable().order_by("-created_at")
        if policies.can_manage_team(request.user, team)
        else [],
        "invite_form": InviteForm(),
        "roles": Role.choices,
    }
    context.update(extra)
    return context


def _refuse(request: HttpRequest, team: Team, message: str) -> HttpResponse:
    """Over htmx, the reason beside the control (the table stays as it is); else the page."""
    if request.htmx:
        return inline_error(request, message, 400)
    messages.error(request, message)
    return _render_members(request, team, status=400)


def _render_members(request: HttpRequest, team: Team, status: int = 200) -> HttpResponse:
    template = "accounts/team.html#members" if request.htmx else "accounts/team.html"
    return render(request, template, _team_context(request, team), status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                actions.update_profile(user=user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "track": user.track,
                "email_notifications": user.email_notifications,
            }
        )
    status = 400 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, f"Team “{team.name}” created. Invite people below.")
            return redirect(team)
    my_teams = request.user.memberships.select_related("team").order_by("team__name")
    status = 400 if form.errors else 200
    return render(
        request, "accounts/teams.html", {"form": form, "memberships": my_teams}, status=status
    )


@login_required
def team(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    return render(request, "accounts/team.html", _team_context(request, team))


@login_required
@require_POST
def invite_create(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether the invite makes members or viewers.")
        return redirect(team)
    invite = actions.create_invite(team=team, user=request.user, role=form.cleaned_data["role"])
    link = request.build_absolute_uri(invite.get_absolute_url())
    messages.success(
        request, f"Invite link (valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC): {link}"
    )
    return redirect(team)


@login_required
@require_POST
def invite_revoke(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    invite = get_object_or_404(Invite, pk=invite_id, team=team)
    actions.revoke_invite(invite=invite, user=request.user)
    messages.success(request, "Invite revoked.")
    return redirect(team)


@login_required
def invite(request: HttpRequest, token: str) -> HttpResponse:
    invite = get_object_or_404(Invite.objects.select_related("team"), token=token)
    already = policies.can_view_team(request.user, invite.team)
    if request.method == "POST" and not already:
        try:
            actions.accept_invite(invite=invite, user=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"Welcome to {invite.team.name}.")
            return redirect(invite.team)
    if already:
        return redirect(invite.team)
    status = 200 if invite.is_usable else 410
    return render(request, "accounts/invite.html", {"invite": invite}, status=status)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    member = get_object_or_404(User, pk=user_id, memberships__team=team)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _refuse(request, team, "Choose a role: owner, member or viewer.")
    try:
        actions.change_role(team=team, user=request.user, member=member, **form.cleaned_data)
    except ValidationError as exc:
        return _refuse(request, team, exc.messages[0])
    messages.success(request, f"{member.name} is now {form.cleaned_data['role']}.")
    if request.user == member and not policies.can_manage_team(request.user, team):
        # They gave up ownership: the whole page changes shape (over htmx, the browser loads it).
        if request.htmx:
            return HttpResponseClientRedirect(team.get_absolute_url())
        return redirect(team)
    return _render_members(request, team)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    member = get_object_or_404(User, pk=user_id, memberships__team=team)
    try:
        actions.remove_member(team=team, user=request.user, member=member)
    except ValidationError as exc:
        return _refuse(request, team, exc.messages[0])
    messages.success(request, f"{member.name} was removed from the team.")
    return _render_members(request, team)


@login_required
@require_POST
def team_leave(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_user(request, slug)
    try:
        actions.leave_team(team=team, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(team)
    messages.success(request, f"You left {team.name}.")
    return redirect("accounts:teams")


@csrf_exempt  # the token is the authentication: mail clients POST without a session or form
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a POST (the mail client's one click, or the page's button) stops notification
    emails; a GET only asks, since link scanners follow every link in a mail."""
    person = unsubscribing.person_for(token)
    if person is None:
        reason = "This unsubscribe link is not valid: it may have been cut or changed."
        return render(request, "400.html", {"reason": reason}, status=400)
    done = request.method == "POST"
    if done:
        actions.unsubscribe(user=person)
    return render(request, "accounts/unsubscribe.html", {"person": person, "done": done})
