"""Creating teams, inviting with expiring links, roles, removal and leaving."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import actions
from accounts.models import Invite, Membership, Role, Team
from accounts.tests.conftest import heard_by_sockets_of


def test_it_creates_a_team_with_the_creator_as_owner(client, charlie):
    client.force_login(charlie)
    response = client.post(reverse("accounts:teams"), {"name": "Frontend Guild"})
    team = Team.objects.get(name="Frontend Guild")
    assert response.status_code == 302
    assert response["Location"] == team.get_absolute_url()
    assert Membership.objects.get(team=team, user=charlie).role == Role.OWNER


def test_it_gives_clashing_names_their_own_address(charlie):
    first = actions.create_team(user=charlie, name="Guild")
    second = actions.create_team(user=charlie, name="Guild")
    assert (first.slug, second.slug) == ("guild", "guild-2")


def test_it_gives_sixty_rocket_teams_each_a_working_page(client, charlie):
    client.force_login(charlie)
    teams = [actions.create_team(user=charlie, name="🚀") for _ in range(60)]
    assert len({team.slug for team in teams}) == 60
    for team in teams:
        assert team.slug.startswith("team-")
        page = client.get(team.get_absolute_url())
        assert page.status_code == 200
        assert page.context["team"] == team


def test_it_gives_non_latin_names_distinct_working_addresses(client, charlie):
    """Before, every such name shared "team", "team-2"… "team-50" and the 51st was refused."""
    client.force_login(charlie)
    for _ in range(50):
        actions.create_team(user=charlie, name="🚀")
    for name in ("Команда", "チーム", "فريق"):
        first = actions.create_team(user=charlie, name=name)
        response = client.post(reverse("accounts:teams"), {"name": name})
        second = Team.objects.exclude(pk=first.pk).get(name=name)
        assert response["Location"] == second.get_absolute_url()
        assert first.slug != second.slug
        for team in (first, second):
            assert client.get(team.get_absolute_url()).context["team"] == team


def test_it_does_not_run_out_of_addresses_for_a_common_name(charlie):
    slugs = [actions.create_team(user=charlie, name="Backend").slug for _ in range(60)]
    assert slugs[:3] == ["backend", "backend-2", "backend-3"]
    assert len(set(slugs)) == 60
    assert all(slug.startswith("backend-") for slug in slugs[1:])


def test_it_rejects_a_blank_team_name(client, charlie):
    client.force_login(charlie)
    response = client.post(reverse("accounts:teams"), {"name": "   "})
    assert response.status_code == 400
    assert not Team.objects.exists()


def test_it_lets_an_invited_person_join_with_the_invite_role(client, alice, charlie, team):
    invite = actions.create_invite(team=team, user=alice, role=Role.VIEWER)
    client.force_login(charlie)
    page = client.get(invite.get_absolute_url())
    assert page.status_code == 200
    assert "Join Project Nexus" in page.content.decode()
    response = client.post(invite.get_absolute_url())
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=charlie).role == Role.VIEWER


def test_it_refuses_an_expired_invite(client, alice, charlie, team):
    invite = actions.create_invite(team=team, user=alice)
    Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(charlie)
    assert client.get(invite.get_absolute_url()).status_code == 410
    response = client.post(invite.get_absolute_url())
    assert response.status_code == 410
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_it_refuses_a_revoked_invite(client, alice, charlie, team):
    invite = actions.create_invite(team=team, user=alice)
    client.force_login(alice)
    client.post(reverse("accounts:invite_revoke", args=[team.slug, invite.pk]))
    client.force_login(charlie)
    client.post(invite.get_absolute_url())
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_the_invite_page_shows_the_link_to_owners(client, alice, team):
    client.force_login(alice)
    client.post(reverse("accounts:invite_create", args=[team.slug]), {"role": "member"})
    invite = Invite.objects.get(team=team)
    page = client.get(team.get_absolute_url()).content.decode()
    assert invite.token in page


def test_it_keeps_at_least_one_owner(alice, team):
    with pytest.raises(ValidationError):
        actions.change_role(team=team, user=alice, member=alice, role=Role.MEMBER)
    with pytest.raises(ValidationError):
        actions.leave_team(team=team, user=alice)
    assert Membership.objects.get(team=team, user=alice).role == Role.OWNER


def test_an_owner_may_hand_over_then_leave(alice, bob, team):
    actions.change_role(team=team, user=alice, member=bob, role=Role.OWNER)
    actions.leave_team(team=team, user=alice)
    assert list(team.memberships.filter(role=Role.OWNER).values_list("user", flat=True)) == [bob.pk]


def test_an_owner_adds_a_member_with_a_role(
    alice, charlie, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        membership = actions.add_member(team=team, user=alice, member=charlie, role=Role.VIEWER)
    assert (membership.user, membership.role) == (charlie, Role.VIEWER)
    assert len(callbacks) == 1  # their open sockets look again
    again = actions.add_member(team=team, user=alice, member=charlie, role=Role.OWNER)
    assert again.pk == membership.pk
    assert again.role == Role.VIEWER  # already in: roles change through change_role


@pytest.mark.parametrize("who", ["bob", "vera", "charlie"])
def test_only_owners_add_members(request, team, charlie, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        actions.add_member(team=team, user=person, member=charlie, role=Role.MEMBER)
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_adding_a_member_needs_a_known_role(alice, charlie, team):
    with pytest.raises(ValidationError):
        actions.add_member(team=team, user=alice, member=charlie, role="emperor")
    assert not Membership.objects.filter(team=team, user=charlie).exists()


def test_role_change_over_htmx_returns_the_members_fragment(client, alice, bob, team):
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, bob.pk])
    response = client.post(url, {"role": "viewer"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="members"')
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html  # the flash message travels with it
    assert "Bob is now viewer." in html


def test_it_rejects_an_unknown_role(client, alice, bob, team):
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, bob.pk])
    response = client.post(url, {"role": "emperor"})
    assert response.status_code == 400
    assert Membership.objects.get(team=team, user=bob).role == Role.MEMBER


def test_it_saves_the_profile(client, bob):
    client.force_login(bob)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Bobby", "track": "frontend"}
    )
    bob.refresh_from_db()
    assert response.status_code == 302
    assert (bob.display_name, bob.track) == ("Bobby", "frontend")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("track", "heard"), [("mentor", [{"type": "access.changed"}]), ("backend", [])]
)
async def test_a_new_track_reaches_the_persons_sockets(client, bob, track, heard):
    """Mentors moderate: open sockets look again when the track changes, only then."""
    await database_sync_to_async(client.force_login)(bob)
    form = {"display_name": "Bobby", "track": track}
    change = lambda: client.post(reverse("accounts:profile"), form)  # noqa: E731
    assert await heard_by_sockets_of(bob, change) == heard


def test_it_rejects_an_unknown_track(client, bob):
    client.force_login(bob)
    response = client.post(reverse("accounts:profile"), {"display_name": "B", "track": "ops"})
    bob.refresh_from_db()
    assert response.status_code == 400
    assert bob.display_name == "Bob"


def test_the_action_itself_refuses_an_overlong_description(charlie):
    # Every entry point (a page, the API) calls the action: the limit lives there, not in a form.
    with pytest.raises(ValidationError, match="at most 300"):
        actions.create_team(user=charlie, name="Guild", description="d" * 301)
    assert not Team.objects.filter(name="Guild").exists()


def test_the_team_and_profile_forms_state_the_actions_limits(client, charlie):
    client.force_login(charlie)
    teams = client.get(reverse("accounts:teams")).content.decode()
    assert f'maxlength="{actions.NAME_MAX}"' in teams
    assert f'maxlength="{actions.DESCRIPTION_MAX}"' in teams
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert f'maxlength="{actions.NAME_MAX}"' in profile
