"""One-click unsubscribe (RFC 8058): a POST with a valid token stops notification emails
without signing in or a CSRF token; a GET only asks; a forged token is refused."""

from django.test import Client
from django.urls import reverse

from accounts import unsubscribe


def test_a_post_unsubscribes_without_signing_in(bob):
    client = Client(enforce_csrf_checks=True)
    response = client.post(unsubscribe.url_path(bob), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    bob.refresh_from_db()
    assert bob.email_notifications == "never"


def test_a_get_only_asks(bob):
    response = Client().get(unsubscribe.url_path(bob))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop notification emails?" in page
    assert '<button type="submit"' in page
    bob.refresh_from_db()
    assert bob.email_notifications == "away"


def test_it_refuses_a_forged_token(bob, alice):
    token = unsubscribe.token_for(bob)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, str(alice.pk), "nonsense"):
        response = Client().post(reverse("accounts:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.email_notifications, alice.email_notifications) == ("away", "away")


def test_a_token_is_the_persons_own(bob, alice):
    assert unsubscribe.person_for(unsubscribe.token_for(bob)) == bob
    assert unsubscribe.token_for(bob) != unsubscribe.token_for(alice)


def test_the_profile_sets_the_preference(client, bob):
    client.force_login(bob)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Email me about mentions and replies" in page
    assert 'value="away" checked' in page
    form = {"display_name": "Bob", "track": "backend", "email_notifications": "digest"}
    response = client.post(reverse("accounts:profile"), form)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.email_notifications == "digest"
    form["email_notifications"] = "hourly"
    assert client.post(reverse("accounts:profile"), form).status_code == 400
