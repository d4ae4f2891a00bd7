""" "Already solved?": a question being typed finds the solved challenges like it that the
person can see, and nothing else."""

import pytest
from django.urls import reverse

from boards import actions, queries


def _solved(board, who, title, problem="", solution=""):
    card = actions.create_card(
        board=board, user=who, title=title, problem=problem, solution=solution
    )
    return actions.move_card(card=card, user=who, column=board.columns.last())


@pytest.fixture
def challenges(alice, charlie, board, public_board, other_board):
    return {
        "retries": _solved(
            board, alice, "Celery tasks retry forever",
            "A failing task is retried again and again and the queue grows.",
            "Set max_retries and retry_backoff; acks_late with idempotent tasks.",
        ),
        "cors": _solved(
            public_board, alice, "CORS preflight refused for the login request",
            "The browser blocks the token request from the frontend's origin.",
        ),
        "theirs": _solved(other_board, charlie, "Celery worker retries tasks forever"),
        "open": actions.create_card(board=board, user=alice, title="Celery retries forever too"),
        "unrelated": _solved(board, alice, "Pagination of the message list"),
    }  # fmt: skip


def _titles(found):
    return [card.title for card in found]


def test_a_paraphrased_question_finds_the_solved_original_first(bob, challenges):
    found = queries.similar_solved(bob, "Why does my celery task keep retrying endlessly?")
    assert _titles(found)[0] == "Celery tasks retry forever"
    assert all(card.score > 0 for card in found)


def test_only_solved_cards_the_person_can_see_are_offered(bob, charlie, challenges):
    text = "celery tasks retry forever, how do I stop it"
    mine = _titles(queries.similar_solved(bob, text))
    assert "Celery worker retries tasks forever" not in mine  # another team's private board
    assert "Celery retries forever too" not in mine  # not in the last column: not solved
    theirs = _titles(queries.similar_solved(charlie, text))
    assert theirs == ["Celery worker retries tasks forever"]  # not the team's private card


def test_an_archived_challenge_is_not_offered(alice, bob, challenges):
    actions.archive_card(card=challenges["retries"], user=alice)
    found = queries.similar_solved(bob, "celery task keeps retrying forever")
    assert "Celery tasks retry forever" not in _titles(found)


@pytest.mark.parametrize(
    "text",
    ["celery", "retry forever", "", "   ", "the and of to in is it"],  # too short, or no words
)
def test_a_short_or_empty_question_asks_nothing(bob, challenges, text):
    assert queries.similar_solved(bob, text) == []


def test_an_unrelated_question_finds_nothing(bob, challenges):
    assert queries.similar_solved(bob, "what time is the standup meeting tomorrow") == []


@pytest.mark.parametrize(
    "text",
    ["celery & | ! ( ) :* <-> 'retry' forever", "celery\x00 retry forever now",
     "retry " * 3000, "Celery \u0440\u0435\u0442\u0440\u0430\u0439 forever 🚀 again",
     "' or 1=1 -- celery retry"],
)  # fmt: skip
def test_hostile_questions_are_only_words(bob, challenges, text):
    queries.similar_solved(bob, text)  # no error: operators are not words, NUL is dropped


def test_the_fragment_lists_them_for_a_signed_in_person(client, bob, challenges):
    client.force_login(bob)
    url = reverse("boards:similar")
    question = {"body": "my celery task keeps retrying forever"}
    page = client.get(url, question, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Already solved?" in html
    assert challenges["retries"].get_absolute_url() in html
    assert challenges["theirs"].get_absolute_url() not in html
    assert client.get(url, {"title": "x"}).content.strip() == b""  # nothing alike: nothing shown


def test_the_fragment_needs_a_sign_in(client, challenges):
    response = client.get(reverse("boards:similar"), {"q": "celery task retry forever"})
    assert response.status_code == 302


def test_titles_are_escaped(client, alice, board):
    _solved(board, alice, "<img src=x onerror=alert(1)> celery retry forever")
    client.force_login(alice)
    html = client.get(reverse("boards:similar"), {"q": "celery task retry forever"}).content
    assert b"<img" not in html and b"&lt;img" in html
