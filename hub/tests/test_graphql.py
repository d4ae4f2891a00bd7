"""The hub over GraphQL: the same actions and policies as the pages and REST."""

import json

import pytest

from api import tokens
from api.tests.test_graphql import ask, codes

REGISTER = """mutation($team: String!, $document: String) {
  registerApiSchema(team: $team, document: $document) {
    version status title operations { path method }
  }
}"""
REPORT = """mutation($board: Int!, $body: String!) {
  reportApiProblem(board: $board, schema: 1, method: "GET", path: "/pets/{id}", status: 200,
                   requestPath: "/pets/7", responseBody: $body) {
    card expectedResponse expectedShape differences { where kind } curl
  }
}"""


@pytest.mark.parametrize(("who", "code"), [("charlie", "not_found"), ("bob", "forbidden")])
def test_only_owners_register(team, bob, charlie, pets_text, who, code):
    person = {"bob": bob, "charlie": charlie}[who]
    answer = ask(REGISTER, {"team": team.slug, "document": pets_text},
                 token=tokens.sign_in(person).access)  # fmt: skip
    assert codes(answer) == [code]


def test_a_schema_is_registered_listed_and_reported_against(team, alice, bob, board, pets_text):
    owner = tokens.sign_in(alice).access
    made = ask(REGISTER, {"team": team.slug, "document": pets_text}, token=owner).json()
    assert made["data"]["registerApiSchema"]["title"] == "Pets API"
    listed = ask('{ apiSchemas(team: "project-nexus") { version status } }', token=owner)
    assert listed.json()["data"]["apiSchemas"] == [{"version": 1, "status": "ready"}]
    member = tokens.sign_in(bob).access
    reported = ask(REPORT, {"board": board.pk, "body": json.dumps({"id": 7})}, token=member)
    data = reported.json()["data"]["reportApiProblem"]
    assert data["expectedShape"]["name"] == "string"
    assert data["differences"] == [{"where": "$.name", "kind": "missing"}]
    bad = ask(REPORT, {"board": board.pk, "body": "nope"}, token=member)
    assert codes(bad) == ["invalid"] and "not JSON" in bad.json()["errors"][0]["message"]


def test_only_owners_make_the_hub_public(team, alice, bob):
    query = 'mutation { setHubPublic(team: "project-nexus", public: true) }'
    assert codes(ask(query, token=tokens.sign_in(bob).access)) == ["forbidden"]
    assert ask(query, token=tokens.sign_in(alice).access).json()["data"]["setHubPublic"] is True
