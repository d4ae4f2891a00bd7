"""JWT pairs: sign in, rotation on refresh, reuse detection, revocation, expiry."""

import threading

import jwt
import pytest
from django.db import connection
from django.test import override_settings

from accounts import actions as account_actions
from api import tokens
from api.models import TokenFamily
from conftest import PASSWORD


def sign_in(api, email="alice@example.com", password=PASSWORD):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def refresh(api, token):
    return api.post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json")


def me(api, access):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_a_person_signs_in_and_the_access_token_speaks_for_them(api, alice):
    response = sign_in(api)
    assert response.status_code == 200
    pair = response.json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 300
    answer = me(api, pair["access"])
    assert answer.status_code == 200
    assert answer.json()["email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong"), ("nobody@example.com", PASSWORD)],
)
def test_wrong_credentials_get_a_problem_not_a_token(api, alice, email, password):
    response = sign_in(api, email, password)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "bad_credentials"
    assert "access" not in response.json()


def test_a_disabled_account_gets_no_token(api, alice):
    alice.is_active = False
    alice.save()
    assert sign_in(api).status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_is_used_up(api, alice):
    first = sign_in(api).json()
    second = refresh(api, first["refresh"])
    assert second.status_code == 200
    assert second.json()["refresh"] != first["refresh"]
    assert me(api, second.json()["access"]).status_code == 200
    # The new refresh token works in turn.
    assert refresh(api, second.json()["refresh"]).status_code == 200


def test_a_refresh_token_used_twice_revokes_its_whole_family(api, alice):
    first = sign_in(api).json()
    stolen = first["refresh"]
    owner = refresh(api, stolen).json()  # the owner rotates
    replay = refresh(api, stolen)  # the thief replays the old one
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"
    # Everything of that sign-in is dead: the owner's new tokens too.
    assert refresh(api, owner["refresh"]).json()["code"] == "token_revoked"
    assert me(api, owner["access"]).status_code == 401
    assert me(api, first["access"]).status_code == 401
    assert TokenFamily.objects.get().revoked_because == "reuse"


def test_another_sign_in_survives_a_reuse_in_one_family(api, alice):
    phone = sign_in(api).json()
    laptop = sign_in(api).json()
    refresh(api, phone["refresh"])
    refresh(api, phone["refresh"])  # reuse: the phone's family ends
    assert me(api, laptop["access"]).status_code == 200


def test_sign_out_revokes_refresh_and_access_tokens(api, alice):
    pair = sign_in(api).json()
    response = api.post("/api/v1/auth/token/revoke/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204
    assert me(api, pair["access"]).json()["code"] == "token_revoked"
    assert refresh(api, pair["refresh"]).json()["code"] == "token_revoked"


def test_a_password_change_ends_every_api_sign_in(api, alice):
    pair = sign_in(api).json()
    alice.set_password("another-long-password")
    alice.save()
    account_actions.credentials_changed(user=alice)
    assert me(api, pair["access"]).status_code == 401
    assert refresh(api, pair["refresh"]).status_code == 401


def test_an_expired_access_token_is_refused_with_its_own_code(api, alice):
    with override_settings(API_ACCESS_TOKEN_SECONDS=-1):
        pair = tokens.sign_in(alice)
    response = me(api, pair.access)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "forge",
    [
        lambda pair: pair.refresh,  # a refresh token is not an access token
        lambda pair: pair.access[:-4] + "AAAA",  # a broken signature
        lambda pair: jwt.encode(
            {**jwt.decode(pair.access, options={"verify_signature": False})},
            "a-guessed-key-that-is-long-enough-for-hs256",
            "HS256",
        ),
        lambda pair: jwt.encode(
            {**jwt.decode(pair.access, options={"verify_signature": False}), "fam": "x"},
            None,
            "none",
        ),
        lambda pair: "not-a-token",
    ],
    ids=["refresh-as-access", "bad-signature", "other-key", "alg-none", "garbage"],
)
def test_forged_and_wrong_tokens_are_refused(api, alice, forge):
    response = me(api, forge(tokens.sign_in(alice)))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_an_access_token_is_not_a_refresh_token(api, alice):
    pair = tokens.sign_in(alice)
    assert refresh(api, pair.access).json()["code"] == "token_invalid"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_cannot_both_win(alice):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (CI runs it there)")
    token = tokens.sign_in(alice).refresh
    results: list[object] = []
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            results.append(tokens.refresh(token))
        except tokens.TokenError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    winners = [result for result in results if isinstance(result, tokens.Pair)]
    assert len(winners) <= 1
    assert "token_reused" in results  # the loser is treated as a replay: the family ends
    assert TokenFamily.objects.get().revoked_at is not None
