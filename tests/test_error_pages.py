"""Error pages in the app's look, also with DEBUG on for what a view raises; htmx requests get
a short fragment instead; the 500 page renders with no request and no database."""

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from nexus_live import errors

HTMX = {"HX-Request": "true"}


def _styled(response) -> str:
    html = response.content.decode()
    assert 'class="error-page"' in html
    assert "css/app.css" in html
    return html


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_room_is_the_styled_404(client, alice, debug):
    client.force_login(alice)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("chat:room", args=["no-such-room"]))
    assert response.status_code == 404
    html = _styled(response)
    assert "Page not found" in html
    assert 'id="sidebar"' in html  # the shell, signed in
    assert "URLconf" not in html and "Traceback" not in html


@pytest.mark.parametrize("debug", [False, True])
def test_a_private_board_is_a_404_that_leaks_nothing(client, charlie, team, debug):
    from boards.models import Board

    board = Board.objects.create(team=team, name="Secret plans", is_private=True)
    client.force_login(charlie)
    with override_settings(DEBUG=debug):
        response = client.get(board.get_absolute_url())
    assert response.status_code == 404
    assert "Secret plans" not in _styled(response)


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_action_is_the_styled_403_with_its_reason(client, bob, team, debug):
    client.force_login(bob)
    with override_settings(DEBUG=debug):
        response = client.post(
            reverse("accounts:invite_create", args=[team.slug]), {"role": "member"}
        )
    assert response.status_code == 403
    html = _styled(response)
    assert "Only owners can invite people." in html


def test_an_unknown_address_is_the_styled_404_in_production(client, alice):
    client.force_login(alice)
    response = client.get("/no/such/address/")
    assert response.status_code == 404
    assert "Page not found" in _styled(response)


def test_an_anonymous_404_offers_to_sign_in(client, db):
    response = client.get("/no/such/address/")
    html = _styled(response)
    assert reverse("account_login") in html
    assert 'id="sidebar"' not in html


@pytest.mark.parametrize("debug", [False, True])
def test_htmx_gets_a_fragment_not_a_page(client, alice, debug):
    client.force_login(alice)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("chat:room", args=["no-such-room"]), headers=HTMX)
    assert response.status_code == 404
    assert response["X-Inline-Error"] == "true"
    html = response.content.decode()
    assert html.strip().startswith('<p class="inline-error" role="alert">')
    assert "<html" not in html


def test_a_csrf_failure_is_the_styled_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@b.c", "password": "x"})
    assert response.status_code == 403
    html = _styled(response)
    assert "This form has expired" in html
    assert "CSRF verification failed" not in html


def test_a_csrf_failure_over_htmx_is_a_fragment(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {}, headers=HTMX)
    assert response.status_code == 403
    assert "Reload the page" in response.content.decode()
    assert response["X-Inline-Error"] == "true"


def test_a_bad_request_is_the_styled_400(client, db):
    response = client.get("/rooms/?q=a\x00b")
    assert response.status_code == 400
    assert "Bad request" in _styled(response)


def test_the_500_page_needs_no_request_and_no_database(rf):
    """No `db` fixture: a query here would raise."""
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500
    html = _styled(response)
    assert "Something went wrong on our side" in html
    assert "<script" not in html


def _crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _crash)]
handler500 = "nexus_live.errors.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crash_is_the_styled_500(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in _styled(response)
    assert "boom" not in response.content.decode()
    response = client.get("/boom/", headers=HTMX)
    assert response["X-Inline-Error"] == "true"
    assert "<html" not in response.content.decode()


def test_too_many_reset_requests_is_the_styled_429(client, alice):
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": alice.email}).status_code for _ in range(6)]
    assert statuses[-1] == 429, statuses
    response = client.post(url, {"email": alice.email})
    assert "Too many attempts" in _styled(response)
