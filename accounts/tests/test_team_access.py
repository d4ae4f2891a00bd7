"""The access matrix: every team action for anonymous, outsider, viewer, member and owner."""

import pytest
from django.urls import reverse

from accounts import policies
from accounts.models import Invite, Membership, Role

PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice"]


@pytest.fixture
def people(alice, bob, vera, charlie, team):
    return {"anonymous": None, "alice": alice, "bob": bob, "vera": vera, "charlie": charlie}


@pytest.mark.parametrize(
    ("who", "view", "manage", "contribute", "leave"),
    [
        ("anonymous", False, False, False, False),
        ("charlie", False, False, False, False),
        ("vera", True, False, False, True),
        ("bob", True, False, True, True),
        ("alice", True, True, True, False),  # the only owner cannot leave
    ],
)
def test_policies_answer_for_each_role(people, team, who, view, manage, contribute, leave):
    from django.contrib.auth.models import AnonymousUser

    user = people[who] or AnonymousUser()
    assert policies.can_view_team(user, team) is view
    assert policies.can_manage_team(user, team) is manage
    assert policies.can_contribute(user, team) is contribute
    assert policies.can_leave_team(user, team) is leave


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("charlie", 404), ("vera", 200), ("bob", 200), ("alice", 200)],
)
def test_team_page_access(as_person, people, team, who, status):
    response = as_person(who).get(reverse("accounts:team", args=[team.slug]))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status", "created"),
    [
        ("anonymous", 302, False),
        ("charlie", 404, False),
        ("vera", 403, False),
        ("bob", 403, False),
        ("alice", 302, True),
    ],
)
def test_invite_create_access(as_person, people, team, who, status, created):
    url = reverse("accounts:invite_create", args=[team.slug])
    response = as_person(who).post(url, {"role": "member"})
    assert response.status_code == status
    assert Invite.objects.filter(team=team).exists() is created


@pytest.mark.parametrize(
    ("who", "status", "changed"),
    [
        ("anonymous", 302, False),
        ("charlie", 404, False),
        ("vera", 403, False),
        ("bob", 403, False),
        ("alice", 200, True),
    ],
)
def test_role_change_access(as_person, people, team, who, status, changed):
    bob = people["bob"]
    url = reverse("accounts:member_role", args=[team.slug, bob.pk])
    response = as_person(who).post(url, {"role": "viewer"})
    assert response.status_code == status
    role = Membership.objects.get(team=team, user=bob).role
    assert (role == Role.VIEWER) is changed


@pytest.mark.parametrize(
    ("who", "status", "removed"),
    [
        ("anonymous", 302, False),
        ("charlie", 404, False),
        ("vera", 403, False),
        ("bob", 403, False),
        ("alice", 200, True),
    ],
)
def test_member_remove_access(as_person, people, team, who, status, removed):
    vera = people["vera"]
    url = reverse("accounts:member_remove", args=[team.slug, vera.pk])
    response = as_person(who).post(url)
    assert response.status_code == status
    assert (not Membership.objects.filter(team=team, user=vera).exists()) is removed


@pytest.mark.parametrize(
    ("who", "status", "left"),
    [
        ("anonymous", 302, False),
        ("charlie", 404, False),
        ("vera", 302, True),
        ("bob", 302, True),
        ("alice", 302, False),  # last owner: told to hand over first
    ],
)
def test_leave_access(as_person, people, team, who, status, left):
    url = reverse("accounts:leave", args=[team.slug])
    response = as_person(who).post(url)
    assert response.status_code == status
    if people[who] is not None:
        still_in = Membership.objects.filter(team=team, user=people[who]).exists()
        assert still_in is (not left and who != "charlie")


@pytest.mark.parametrize("who", PEOPLE[1:])
def test_team_changes_reject_get(as_person, people, team, who):
    client = as_person(who)
    bob = people["bob"]
    for url in [
        reverse("accounts:invite_create", args=[team.slug]),
        reverse("accounts:member_role", args=[team.slug, bob.pk]),
        reverse("accounts:member_remove", args=[team.slug, bob.pk]),
        reverse("accounts:leave", args=[team.slug]),
    ]:
        assert client.get(url).status_code == 405
