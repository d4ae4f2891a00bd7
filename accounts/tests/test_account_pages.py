"""django-allauth's pages render in the app's look: one card, visible labels, errors that say
which field and are tied to it (aria-describedby, aria-invalid), the form's own errors as an
alert, and the Google button where it shows."""

import copy
import re

import pytest
from django.urls import reverse

from conftest import PASSWORD


def _card(response) -> str:
    html = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert '<h1 class="auth-title">' in html
    assert "css/app.css" in html and '<main id="main"' in html
    return html


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_each_entrance_page_is_a_card(client, db, name):
    _card(client.get(reverse(name)))


def test_a_bad_confirmation_link_is_a_card_that_says_so(client, db):
    html = _card(client.get(reverse("account_confirm_email", args=["not-a-key"])))
    assert "expired or is invalid" in html


def test_a_bad_reset_link_is_a_card_that_says_so(client, db):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "x-y"})
    html = _card(client.get(url, follow=True))
    assert "Bad Token" in html or "invalid" in html


def test_the_sign_out_page_is_a_card(client, alice):
    client.force_login(alice)
    _card(client.get(reverse("account_logout")))


def test_every_field_has_a_visible_label(client, db):
    html = _card(client.get(reverse("account_signup")))
    for field, label in (
        ("email", "Email"),
        ("password1", "Password"),
        ("password2", "Password (again)"),
    ):
        assert f'<label for="id_{field}">{label}</label>' in html
    assert 'aria-describedby="id_password1_helptext"' in html
    assert 'id="id_password1_helptext"' in html


def test_a_field_error_is_tied_to_its_field(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "dana@example.com", "password1": "a-long-pass-phrase", "password2": "other"},
    )
    html = _card(response)
    assert "You must type the same password each time." in html
    [field] = re.findall(r'<input[^>]*name="password2"[^>]*>', html)
    assert 'aria-invalid="true"' in field
    assert "id_password2_error" in field
    assert 'id="id_password2_error"' in html


def test_a_wrong_password_is_an_alert_above_the_form(client, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": "nope"})
    html = _card(response)
    alert = html[html.index('class="form-errors" role="alert"') :]
    assert "not correct" in alert[:400]
    assert f'value="{alice.email}"' in html  # what was typed is kept


def test_signing_in_still_works(client, alice):
    response = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def google(settings):
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APPS"] = [{"client_id": "c.apps.googleusercontent.com", "secret": "s"}]
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.mark.parametrize("name", ["account_login", "account_signup"])
def test_the_google_button_shows_on_sign_in_and_sign_up(client, db, google, name):
    html = _card(client.get(reverse(name)))
    assert "Continue with Google" in html
    assert f'action="{reverse("google_login")}"' in html
