"""A refused change on the team page over htmx answers a short fragment (role=alert) that the
page shows beside the control, never the members table or a whole page."""

from django.urls import reverse

from accounts.models import Membership, Role

HTMX = {"HX-Request": "true"}


def _fragment(response) -> str:
    html = response.content.decode()
    assert response["X-Inline-Error"] == "true"
    assert html.lstrip().startswith('<p class="inline-error" role="alert">')
    assert "<table" not in html and "<html" not in html
    return html


def test_it_refuses_to_demote_the_last_owner_with_a_fragment(client, alice, team):
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, alice.pk])
    response = client.post(url, {"role": "viewer"}, headers=HTMX)
    assert response.status_code == 400
    assert "A team needs an owner" in _fragment(response)
    assert Membership.objects.get(team=team, user=alice).role == Role.OWNER


def test_it_refuses_an_unknown_role_with_a_fragment(client, alice, bob, team):
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, bob.pk])
    response = client.post(url, {"role": "emperor"}, headers=HTMX)
    assert response.status_code == 400
    assert "Choose a role" in _fragment(response)


def test_it_refuses_a_member_changing_roles_with_a_fragment(client, bob, vera, team):
    client.force_login(bob)
    url = reverse("accounts:member_role", args=[team.slug, vera.pk])
    response = client.post(url, {"role": "owner"}, headers=HTMX)
    assert response.status_code == 403
    assert "Only owners can change roles." in _fragment(response)


def test_it_refuses_a_member_removing_people_with_a_fragment(client, bob, vera, team):
    client.force_login(bob)
    url = reverse("accounts:member_remove", args=[team.slug, vera.pk])
    response = client.post(url, headers=HTMX)
    assert response.status_code == 403
    assert "Only owners can remove members." in _fragment(response)
    assert Membership.objects.filter(team=team, user=vera).exists()


def test_without_htmx_the_refusal_is_the_team_page_with_its_message(client, alice, team):
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, alice.pk])
    response = client.post(url, {"role": "viewer"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and "A team needs an owner" in html


def test_giving_up_ownership_over_htmx_reloads_the_page(client, alice, bob, team):
    Membership.objects.filter(team=team, user=bob).update(role=Role.OWNER)
    client.force_login(alice)
    url = reverse("accounts:member_role", args=[team.slug, alice.pk])
    response = client.post(url, {"role": "member"}, headers=HTMX)
    assert response["HX-Redirect"] == team.get_absolute_url()
    assert Membership.objects.get(team=team, user=alice).role == Role.MEMBER
