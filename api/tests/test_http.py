"""The API as HTTP: one error shape, limits with headers, CORS, the schema, and writes that
reach the live pages."""

import json

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from api import serializers
from api.tokens import sign_in
from boards import actions as board_actions
from boards.events import card_data
from chat import actions
from chat import queries as chat_queries
from chat.events import message_data
from chat.tests.conftest import connected, frames_until


def test_an_unknown_api_address_is_a_problem_not_an_html_page(bearer, bob):
    response = bearer(bob).get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_a_method_the_address_does_not_take_is_405_with_allow(bearer, bob):
    response = bearer(bob).put("/api/v1/rooms/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_not_json_is_refused_clearly(bearer, bob):
    client = bearer(bob)
    broken = client.post("/api/v1/rooms/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    form = client.post("/api/v1/rooms/", "name=x", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415


def test_signed_out_is_401_with_a_bearer_challenge(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_server_error_is_a_problem_and_says_nothing_of_the_inside(bearer, bob, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(chat_queries, "visible_rooms", broken)
    client = bearer(bob)
    client.raise_request_exception = False
    response = client.get("/api/v1/rooms/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "hunter2" not in response.content.decode()


@override_settings(API_RATE_BURST=3, API_RATE_PER_MINUTE=1)
def test_too_many_requests_get_429_with_retry_after_and_ratelimit(bearer, bob, charlie):
    client = bearer(bob)
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me/")
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert refused["RateLimit"].startswith("limit=3, remaining=0, reset=")
    assert refused["RateLimit-Policy"] == "3;w=180"
    assert bearer(charlie).get("/api/v1/me/").status_code == 200  # per person


def _ratelimit(response) -> dict[str, int]:
    return {
        name.strip(): int(value)
        for name, value in (part.split("=") for part in response["RateLimit"].split(","))
    }


@override_settings(API_RATE_BURST=5, API_RATE_PER_MINUTE=6)
def test_every_answer_says_how_many_requests_are_left(bearer, bob, charlie):
    client = bearer(bob)
    answers = [client.get("/api/v1/me/") for _ in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 429]
    assert [_ratelimit(a)["remaining"] for a in answers] == [4, 3, 2, 1, 0, 0]
    assert {_ratelimit(a)["limit"] for a in answers} == {5}
    # reset: seconds until the burst of 5 is whole again, at 10 s a request
    assert [_ratelimit(a)["reset"] for a in answers] == [10, 20, 30, 40, 50, 50]
    assert answers[-1]["Retry-After"] == "10"  # the next request, not the whole burst
    assert all(a["RateLimit-Policy"] == "5;w=50" for a in answers)
    assert _ratelimit(bearer(charlie).get("/api/v1/rooms/"))["remaining"] == 4  # per person


@override_settings(API_RATE_BURST=5, API_RATE_PER_MINUTE=6)
def test_answers_no_view_charged_still_show_the_budget(api, bearer, bob):
    client = bearer(bob)
    client.get("/api/v1/me/")
    unknown = client.get("/api/v1/no-such-thing/")
    assert unknown.status_code == 404
    assert "remaining=" in unknown["RateLimit"]
    signed_out = [api.get("/api/v1/me/") for _ in range(2)]  # 401 before the throttle
    assert [a.status_code for a in signed_out] == [401, 401]
    assert [_ratelimit(a)["remaining"] for a in signed_out] == [5, 5]  # looked, took nothing
    assert _ratelimit(client.get("/api/v1/me/"))["remaining"] == 3


@override_settings(API_RATE_BURST=5, API_RATE_PER_MINUTE=6)
def test_graphql_answers_carry_the_same_budget(bob):
    token = sign_in(bob).access
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    bearer_rest = client.get("/api/v1/me/")
    query = client.post("/graphql/", {"query": "{ me { id } }"}, format="json")
    assert query.status_code == 200
    assert _ratelimit(bearer_rest)["remaining"] == 4
    assert _ratelimit(query)["remaining"] == 3  # one budget for REST and GraphQL
    assert query["RateLimit-Policy"] == "5;w=50"
    bad = APIClient().post(
        "/graphql/", {"query": "{ me { id } }"}, format="json", HTTP_AUTHORIZATION="Basic x"
    )
    assert bad.status_code == 401 and "remaining=" in bad["RateLimit"]


@override_settings(CORS_ALLOWED_ORIGINS=["http://localhost:5173"])
def test_cors_answers_listed_origins_and_only_those(api):
    preflight = api.options(
        "/api/v1/rooms/",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"]
    answer = api.get("/api/v1/me/", HTTP_ORIGIN="http://localhost:5173")
    assert "ETag" in answer["Access-Control-Expose-Headers"]
    assert "RateLimit" in answer["Access-Control-Expose-Headers"]
    assert "remaining=" in answer["RateLimit"]
    foreign = api.options(
        "/api/v1/rooms/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in foreign
    page = api.get("/", HTTP_ORIGIN="http://localhost:5173")  # pages are not shared
    assert "Access-Control-Allow-Origin" not in page


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    text = (tmp_path / "s.yml").read_text()
    assert "/api/v1/rooms/{slug}/messages/" in text
    assert "application/problem+json" in text or "Problem" in text


def test_the_docs_page_and_its_assets_are_served_from_here(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html and "//" not in html.split("swagger-ui-bundle.js")[0][-80:]


@pytest.mark.parametrize(
    ("described", "built"),
    [(serializers.Message, "message"), (serializers.Card, "card")],
)
def test_the_schema_describes_exactly_what_the_live_data_holds(alice, team, described, built):
    if built == "message":
        room = actions.create_room(user=alice, name="general")
        made = actions.post_message(room=room, author=alice, body="hi", client_id="c").message
        made.reaction_summary = []
        data = message_data(made)
    else:
        board = board_actions.create_board(user=alice, name="B", team=team)
        data = card_data(board_actions.create_card(board=board, user=alice, title="T"))
    assert set(described().fields) == set(data)


@pytest.mark.django_db(transaction=True)
async def test_a_message_posted_over_the_api_appears_live_on_the_room_page(alice, bob):
    room = await database_sync_to_async(actions.create_room)(user=alice, name="general")
    async with connected(alice, room) as page:
        await frames_until(page, "synced")

        def post_over_api():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(bob).access}")
            return client.post(
                "/api/v1/rooms/general/messages/",
                {"body": "from my app"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="app-1",
            )

        response = await database_sync_to_async(post_over_api)()
        assert response.status_code == 201
        (frame,) = await frames_until(page, "message")
        assert frame["data"] == json.loads(response.content)
        assert "from my app" in frame["html"]


def test_only_the_docs_page_may_use_inline_styles(client, db):
    # Swagger UI sets style attributes as it draws; no other page needs them.
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    home = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in docs.split("style-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in home
