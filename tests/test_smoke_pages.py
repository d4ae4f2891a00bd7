"""The shell renders for a signed-in person and sends anonymous visitors to sign in."""

from django.urls import reverse


def test_it_redirects_anonymous_home_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_shows_the_shell_with_htmx_and_csrf(client, alice, team):
    client.force_login(alice)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "django_htmx/htmx-2.min.js" in html
    assert "js/live.js" in html and "hx-ws" not in html  # one socket client, ours
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    for label in ("Rooms", "Boards", "Teams", "Profile"):
        assert f">{label}<" in html
    assert "Project Nexus" in html
