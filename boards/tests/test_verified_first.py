"""Verified solutions first (decision 023): in "Already solved?" (the fragment and the API) and
in card search, among comparably relevant cards a verified answer ranks before an accepted one,
which ranks before neither; relevance still wins over the badge."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from boards import actions, queries
from boards.models import Card
from chat import actions as chat
from chat.models import Message, Room
from conftest import make_person

QUESTION = "Celery tasks retry forever"
PROBLEM = "Celery tasks retry forever and the queue grows."
ANSWER = "Set max_retries and retry_backoff."


@pytest.fixture
def maya(team):
    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def room(team, alice):
    return Room.objects.create(
        name="help", slug="help", team=team, is_private=True, created_by=alice
    )


def _promoted(room, board, asker, helper, mentor, *, title, key, verify):
    question = chat.post_message(
        room=room, author=asker, body=f"{title}\n\n{PROBLEM}", client_id=f"q-{key}"
    ).message
    reply = chat.post_message(
        room=room, author=helper, body=ANSWER, client_id=f"r-{key}", parent=question
    ).message
    card = actions.promote_message(message=question, user=asker, board=board).card
    chat.accept_answer(message=reply, user=asker)
    if verify:
        chat.verify_answer(message=Message.objects.get(pk=reply.pk), user=mentor)
    card = Card.objects.get(pk=card.pk)
    return actions.move_card(card=card, user=asker, column=board.columns.last())


def _plain(board, who, title):
    card = actions.create_card(
        board=board, user=who, title=title, problem=f"{title}\n\n{PROBLEM}", solution=ANSWER
    )
    return actions.move_card(card=card, user=who, column=board.columns.last())


def _age(*cards):
    """The first card the oldest: without tiers the newest would come first."""
    now = timezone.now()
    for hours, card in enumerate(reversed(cards)):
        Card.objects.filter(pk=card.pk).update(updated_at=now - datetime.timedelta(hours=hours))


@pytest.fixture
def tiers(room, board, alice, bob, maya):
    verified = _promoted(room, board, bob, alice, maya, title=QUESTION, key="v", verify=True)
    accepted = _promoted(room, board, bob, alice, maya, title=QUESTION, key="a", verify=False)
    neither = _plain(board, alice, QUESTION)
    _age(verified, accepted, neither)
    return {"verified": verified.pk, "accepted": accepted.pk, "neither": neither.pk}


ORDER = ["verified", "accepted", "neither"]


def test_already_solved_ranks_verified_then_accepted_then_neither(bob, tiers):
    found = queries.similar_solved(bob, "why do my celery tasks retry forever")
    assert [card.pk for card in found] == [tiers[k] for k in ORDER]


def test_the_api_suggestions_rank_verified_first(bob, tiers):
    from rest_framework.test import APIClient

    from api import tokens

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.sign_in(bob).access}")
    response = api.get("/api/v1/search/similar/", {"q": "celery tasks retry forever"})
    assert response.status_code == 200
    body = response.json()
    assert [card["id"] for card in body] == [tiers[k] for k in ORDER]
    assert body[0]["verified"]["by"]["name"] == "Maya"


def test_the_fragment_ranks_and_badges_them(client, bob, tiers):
    client.force_login(bob)
    html = client.get(reverse("boards:similar"), {"body": "celery tasks retry forever"})
    html = html.content.decode()
    where = [html.index(f"/cards/{tiers[k]}/") for k in ORDER]
    assert where == sorted(where)
    assert html.count("✓ Verified") == 1 and html.count("✓ Accepted") == 1


def test_card_search_ranks_verified_first(bob, tiers):
    found = list(queries.search_cards(bob, "celery retry"))
    assert [card.pk for card in found] == [tiers[k] for k in ORDER]


def test_the_search_page_ranks_and_badges_them(client, bob, tiers):
    client.force_login(bob)
    html = client.get(reverse("search"), {"q": "celery retry", "in": "cards"}).content.decode()
    where = [html.index(f'id="found-card-{tiers[k]}"') for k in ORDER]
    assert where == sorted(where)
    assert "✓ Verified" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="relevance is PostgreSQL's rank")
def test_a_verified_but_loosely_related_card_does_not_beat_an_exact_match(
    room, board, alice, bob, maya
):
    loose = _promoted(
        room, board, bob, alice, maya, title="Flower dashboard shows workers", key="l", verify=True
    )
    Card.objects.filter(pk=loose.pk).update(
        problem="The dashboard lists workers. A database migration ran. One connection "
        "dropped. The worker pool restarted. Disk space exhausted.",
        solution="",
    )
    exact = _plain(board, alice, "Database connection pool exhausted under load")
    found = queries.similar_solved(bob, "database connection pool exhausted under load")
    assert [card.pk for card in found] == [exact.pk, loose.pk]
    searched = list(queries.search_cards(bob, "database connection pool exhausted"))
    assert [card.pk for card in searched] == [exact.pk, loose.pk]
