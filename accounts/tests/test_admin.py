"""The admin: memberships are only read there; account edits that change access reach sockets."""

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from accounts.models import Membership, Role, Track, User
from accounts.tests.conftest import heard_by_sockets_of


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser(email="root@example.com", password="x")


@pytest.fixture
def admin(client, operator):
    client.force_login(operator)
    return client


def _team_form(team, **roles: str) -> dict[str, object]:
    """The team's change form as the admin posts it, with `roles` by email changed."""
    memberships = list(team.memberships.select_related("user").order_by("pk"))
    data = {
        "name": team.name, "slug": team.slug, "description": team.description,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, membership in enumerate(memberships):
        data |= {
            f"memberships-{i}-id": membership.pk,
            f"memberships-{i}-team": team.pk,
            f"memberships-{i}-user": membership.user_id,
            f"memberships-{i}-role": roles.get(membership.user.email, membership.role),
        }
    return data


def _roles(team) -> dict[str, str]:
    return dict(team.memberships.values_list("user__email", "role"))


def test_it_shows_a_teams_members_read_only(admin, team):
    page = admin.get(reverse("admin:accounts_team_change", args=[team.pk]))
    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0]
    assert inline.has_add_permission is inline.has_change_permission is False
    assert inline.has_delete_permission is False
    assert "Bob" in page.content.decode()


def test_it_refuses_to_demote_the_last_owner_in_the_admin(admin, team):
    before = _roles(team)
    url = reverse("admin:accounts_team_change", args=[team.pk])
    admin.post(url, _team_form(team, **{"alice@example.com": Role.VIEWER}))
    assert _roles(team) == before
    assert team.owner_count() == 1


def test_it_refuses_to_add_or_remove_members_in_the_admin(admin, team, charlie):
    before = _roles(team)
    data = _team_form(team)
    data |= {"memberships-TOTAL_FORMS": "4", "memberships-0-DELETE": "on"}
    data |= {"memberships-3-team": team.pk, "memberships-3-user": charlie.pk}
    data |= {"memberships-3-role": Role.OWNER}
    admin.post(reverse("admin:accounts_team_change", args=[team.pk]), data)
    assert _roles(team) == before
    assert not Membership.objects.filter(user=charlie).exists()


def _user_form(user: User, **changes: object) -> dict[str, object]:
    data = {
        "email": user.email, "display_name": user.display_name, "avatar_url": user.avatar_url,
        "track": user.track, "is_active": user.is_active, "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }  # fmt: skip
    data |= changes
    return {name: value for name, value in data.items() if value is not False}  # unchecked


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "changes",
    [{"is_active": False}, {"track": Track.MENTOR}, {"is_staff": True}],
    ids=["deactivated", "made-mentor", "made-staff"],
)
async def test_an_account_change_in_the_admin_reaches_the_persons_sockets(admin, bob, changes):
    url = reverse("admin:accounts_user_change", args=[bob.pk])
    heard = await heard_by_sockets_of(bob, lambda: admin.post(url, _user_form(bob, **changes)))
    assert heard == [{"type": "access.changed"}]
    await database_sync_to_async(bob.refresh_from_db)()
    assert all(getattr(bob, name) == value for name, value in changes.items())


@pytest.mark.django_db(transaction=True)
async def test_a_password_set_in_the_admin_reaches_the_persons_sockets(admin, bob):
    url = reverse("admin:auth_user_password_change", args=[bob.pk])
    form = {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"}
    form |= {"usable_password": "true"}
    heard = await heard_by_sockets_of(bob, lambda: admin.post(url, form))
    assert heard == [{"type": "access.changed"}]
    await database_sync_to_async(bob.refresh_from_db)()
    assert bob.check_password("a-new-long-passphrase")


@pytest.mark.django_db(transaction=True)
async def test_a_change_that_grants_nothing_stays_quiet(admin, bob):
    url = reverse("admin:accounts_user_change", args=[bob.pk])
    change = lambda: admin.post(url, _user_form(bob, display_name="Robert"))  # noqa: E731
    assert await heard_by_sockets_of(bob, change) == []
    await database_sync_to_async(bob.refresh_from_db)()
    assert bob.display_name == "Robert"
