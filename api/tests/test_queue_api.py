"""The mentor help queue over REST and GraphQL (decision 023): the same query and action as
the page, the same refusals (non-mentors 403, rooms one cannot see 404)."""

import pytest

from accounts.models import Membership, Role
from api import tokens
from api.tests.test_graphql import ask, codes
from chat import actions
from chat.models import QuestionClaim, Room
from conftest import make_person

pytestmark = pytest.mark.django_db

PEOPLE = ["charlie", "vera", "bob", "alice", "maya", "otto", "removed"]


def _mentor(email, name, team=None):
    person = make_person(email, name)
    person.track = "mentor"
    person.save()
    if team is not None:
        Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def world(team, alice, bob, vera, charlie):
    maya = _mentor("maya@example.com", "Maya", team)
    otto = _mentor("otto@example.com", "Otto")  # a mentor of no team
    removed = _mentor("rita@example.com", "Rita", team)
    Membership.objects.filter(user=removed).delete()
    room = Room.objects.create(
        name="help", slug="help", team=team, is_private=True, created_by=alice
    )
    question = actions.post_message(room=room, author=bob, body="Why 502?", client_id="q").message
    people = {
        "alice": alice, "bob": bob, "vera": vera, "charlie": charlie,
        "maya": maya, "otto": otto, "removed": removed,
    }  # fmt: skip
    return {"question": question, "people": people}


# Non-mentors: 403; mentors who cannot see the team's room: an empty queue, 404 to claim.
LIST = {"charlie": 403, "vera": 403, "bob": 403, "alice": 403}
CLAIM = {**LIST, "otto": 404, "removed": 404}


@pytest.mark.parametrize("who", PEOPLE)
def test_the_queue_over_rest(bearer, world, who):
    response = bearer(world["people"][who]).get("/api/v1/queue/")
    assert response.status_code == LIST.get(who, 200), response.content
    if response.status_code == 200:
        ids = [q["id"] for q in response.json()]
        assert ids == ([world["question"].pk] if who == "maya" else [])
    if who == "maya":
        (shown,) = response.json()
        assert shown["room"]["slug"] == "help" and shown["author"]["name"] == "Bob"
        assert shown["replied"] is False and shown["claims"] == []


def test_the_queue_needs_a_token(api, world):
    assert api.get("/api/v1/queue/").status_code == 401


@pytest.mark.parametrize("who", PEOPLE)
def test_claiming_over_rest(bearer, world, who):
    question = world["question"]
    client = bearer(world["people"][who])
    response = client.post(f"/api/v1/queue/{question.pk}/claim/")
    assert response.status_code == CLAIM.get(who, 200), response.content
    assert QuestionClaim.objects.filter(message=question).exists() is (who == "maya")
    if who == "maya":
        assert response.json()["claims"][0]["user"]["name"] == "Maya"
        taken = client.delete(f"/api/v1/queue/{question.pk}/claim/")
        assert taken.status_code == 200 and taken.json()["claims"] == []


def test_claiming_a_resolved_question_is_400(bearer, world):
    question, people = world["question"], world["people"]
    actions.resolve_thread(message=question, user=people["bob"])
    response = bearer(people["maya"]).post(f"/api/v1/queue/{question.pk}/claim/")
    assert response.status_code == 400


def test_claiming_a_reply_is_404(bearer, world):
    question, people = world["question"], world["people"]
    reply = actions.post_message(
        room=question.room, author=people["alice"], body="x", client_id="r", parent=question
    ).message
    assert bearer(people["maya"]).post(f"/api/v1/queue/{reply.pk}/claim/").status_code == 404


UNSEEN = {"charlie": "forbidden", "vera": "forbidden", "bob": "forbidden", "alice": "forbidden"}


@pytest.mark.parametrize("who", ["anonymous", *PEOPLE])
def test_the_queue_and_claims_over_graphql(world, who):
    question = world["question"]
    token = None if who == "anonymous" else tokens.sign_in(world["people"][who]).access
    listed = ask("{ helpQueue { id title room { slug } claims { user { name } } } }", token=token)
    expected = {"anonymous": "not_authenticated", **UNSEEN}.get(who)
    assert codes(listed) == ([expected] if expected else []), listed.json()
    if expected is None:
        mine = [q["id"] for q in listed.json()["data"]["helpQueue"]]
        assert mine == ([question.pk] if who == "maya" else [])
    claimed = ask(
        "mutation($id: Int!) { claim(id: $id) { id claims { user { name } } } }",
        {"id": question.pk},
        token=token,
    )
    expected = {"anonymous": "not_authenticated", **UNSEEN, "otto": "not_found"}.get(who)
    expected = "not_found" if who == "removed" else expected
    assert codes(claimed) == ([expected] if expected else []), claimed.json()
    if who == "maya":
        assert claimed.json()["data"]["claim"]["claims"] == [{"user": {"name": "Maya"}}]
        taken = ask(
            "mutation($id: Int!) { unclaim(id: $id) { claims { at } } }",
            {"id": question.pk},
            token=token,
        )
        assert taken.json()["data"]["unclaim"] == {"claims": []}
