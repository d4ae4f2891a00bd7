"""Sign-in with Google, end to end and offline.

The browser side is played by Django's test client; Google's token endpoint is played by a
patched ``requests.Session.request`` that answers with an ``id_token`` made here with PyJWT.
Any other outgoing HTTP request fails the test.
"""

import base64
import copy
import hashlib
import json
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User

CLIENT_ID = "nexus-test.apps.googleusercontent.com"
CLIENT_SECRET = "nexus-test-secret"
TOKEN_URL = "https://oauth2.googleapis.com/token"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
ISSUER = "https://accounts.google.com"
# Only used to give the token a well-formed signature; allauth does not check the signature of
# an id_token it fetched itself from the token endpoint over TLS (OpenID Connect Core 3.1.3.7).
SIGNING_KEY = "a-local-test-key-of-at-least-32-bytes!!"
AUTH_ERROR_TEMPLATE = "socialaccount/authentication_error.html"

pytestmark = pytest.mark.django_db


@pytest.fixture
def google(settings):
    """Google configured the way GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET would configure it."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APPS"] = [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    return providers["google"]


@pytest.fixture
def no_google(settings):
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["google"]["APPS"] = []
    settings.SOCIALACCOUNT_PROVIDERS = providers


class FakeGoogle:
    """Stands in for every outgoing HTTP request: only the token endpoint answers."""

    def __init__(self) -> None:
        self.claims: dict = {}
        self.token_requests: list[dict] = []
        self.unexpected: list[tuple[str, str]] = []

    def id_token(self) -> str:
        return jwt.encode(self.claims, SIGNING_KEY, algorithm="HS256")

    def request(self, session, method, url, **kwargs):
        if method.upper() != "POST" or url != TOKEN_URL:
            self.unexpected.append((method, url))
            raise AssertionError(f"unexpected outgoing request: {method} {url}")
        self.token_requests.append(dict(kwargs.get("data") or {}))
        response = requests.Response()
        response.status_code = 200
        response.url = url
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(
            {
                "access_token": "ya29.test-access-token",
                "expires_in": 3599,
                "scope": "openid email profile",
                "token_type": "Bearer",
                "id_token": self.id_token(),
            }
        ).encode()
        return response


@pytest.fixture
def fake_google(monkeypatch):
    fake = FakeGoogle()

    def request(session, method, url, **kwargs):
        return fake.request(session, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
    yield fake
    assert fake.unexpected == []


def claims(email: str, *, verified: bool = True, aud: str = CLIENT_ID, **extra) -> dict:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": aud,
        "azp": aud,
        "sub": "108234567890123456789",
        "email": email,
        "email_verified": verified,
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
        "picture": "https://lh3.googleusercontent.com/a/grace",
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
        **extra,
    }


def start_login(client) -> dict[str, str]:
    """POST the sign-in form and return the query of the redirect to Google's authorize URL."""
    response = client.post(reverse("google_login"), {"process": "login"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE_URL
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["state"]
    return query


def finish_login(client, state: str, code: str = "4/test-authorization-code"):
    return client.get(reverse("google_callback"), {"code": code, "state": state})


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def test_it_creates_a_verified_user_from_google(client, google, fake_google):
    query = start_login(client)
    assert query["code_challenge_method"] == "S256"
    assert "openid" in query["scope"].split()
    fake_google.claims = claims("grace@example.com")

    response = finish_login(client, query["state"])

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="grace@example.com")
    assert str(signed_in_user_id(client)) == str(user.pk)
    assert user.display_name == "Grace Hopper"
    assert user.avatar_url == "https://lh3.googleusercontent.com/a/grace"
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("grace@example.com", True, True)
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("google", "108234567890123456789")
    # The code was exchanged once, by the server, with the PKCE verifier matching the challenge.
    [token_request] = fake_google.token_requests
    assert token_request["code"] == "4/test-authorization-code"
    assert token_request["client_id"] == CLIENT_ID
    assert token_request["client_secret"] == CLIENT_SECRET
    assert token_request["redirect_uri"] == query["redirect_uri"]
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


@pytest.mark.parametrize("verified", [False, True], ids=["unverified", "verified"])
def test_it_does_not_sign_in_to_an_existing_password_account_by_email(
    client, google, fake_google, alice, verified
):
    query = start_login(client)
    fake_google.claims = claims("alice@example.com", verified=verified)

    response = finish_login(client, query["state"])

    assert fake_google.token_requests, "the callback never reached the token endpoint"
    assert signed_in_user_id(client) is None
    assert not SocialAccount.objects.filter(user=alice).exists()
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    assert EmailAddress.objects.filter(email__iexact="alice@example.com").count() == 1
    # What the visitor sees does not reveal the account; its owner is told by mail instead.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    # The password still works: the person signs in with it and then connects Google.
    assert client.login(email="alice@example.com", password="correct-horse-battery-staple")


def test_it_refuses_a_callback_with_a_wrong_state(client, google, fake_google):
    query = start_login(client)
    fake_google.claims = claims("mallory@example.com")

    response = finish_login(client, query["state"] + "-forged")

    assert response.status_code == 401
    assert AUTH_ERROR_TEMPLATE in template_names(response)
    assert fake_google.token_requests == []
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()
    assert not SocialAccount.objects.exists()


def test_it_refuses_a_callback_without_a_login_started_here(client, google, fake_google):
    fake_google.claims = claims("mallory@example.com")

    response = finish_login(client, "state-never-issued")

    assert response.status_code == 401
    assert fake_google.token_requests == []
    assert signed_in_user_id(client) is None
    assert not User.objects.exists()


def test_it_refuses_an_id_token_for_another_audience(client, google, fake_google):
    query = start_login(client)
    fake_google.claims = claims(
        "mallory@example.com", aud="someone-else.apps.googleusercontent.com"
    )

    response = finish_login(client, query["state"])

    assert len(fake_google.token_requests) == 1
    assert response.status_code == 401
    assert AUTH_ERROR_TEMPLATE in template_names(response)
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()
    assert not SocialAccount.objects.exists()


def test_it_refuses_an_id_token_from_another_issuer(client, google, fake_google):
    query = start_login(client)
    fake_google.claims = claims("mallory@example.com", iss="https://evil.example")

    response = finish_login(client, query["state"])

    assert response.status_code == 401
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()


def test_it_refuses_an_expired_id_token(client, google, fake_google):
    query = start_login(client)
    fake_google.claims = claims("mallory@example.com", exp=int(time.time()) - 600)

    response = finish_login(client, query["state"])

    assert response.status_code == 401
    assert signed_in_user_id(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()


def test_a_get_to_the_google_login_url_does_not_redirect_to_google(client, google, fake_google):
    response = client.get(reverse("google_login"))

    assert response.status_code == 200
    assert not response.has_header("Location")
    assert AUTHORIZE_URL not in response.content.decode()
    assert not client.session.get("socialaccount_states")


class FormFinder(HTMLParser):
    """Collects each <form>'s attributes and the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self._current = {"attrs": dict(attrs), "text": ""}
            self.forms.append(self._current)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] += data


def forms_on(response) -> list[dict]:
    finder = FormFinder()
    finder.feed(response.content.decode())
    return finder.forms


def test_the_login_page_offers_google_as_a_post_form_when_configured(client, google):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    [form] = [f for f in forms_on(response) if "Continue with Google" in f["text"]]
    assert form["attrs"]["method"].lower() == "post"
    assert form["attrs"]["action"] == reverse("google_login")
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_the_login_page_has_no_google_button_when_not_configured(client, no_google):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert "Continue with Google" not in response.content.decode()
    assert reverse("google_login") not in response.content.decode()
