"""Search finds cards on the boards a person can see, beside messages, and only there."""

import pytest
from django.db import connection
from django.urls import reverse

from boards import actions


@pytest.fixture
def cards(alice, charlie, board, public_board, other_board):
    def card(on, who, title, problem=""):
        return actions.create_card(board=on, user=who, title=title, problem=problem)

    return {
        "team": card(board, alice, "Celery retries pile up", "Tasks retry forever"),
        "public": card(public_board, alice, "Caching the feed", "Should we retry with celery?"),
        "theirs": card(other_board, charlie, "Celery beat drifts"),
        "other": card(board, alice, "Pagination of the API"),
    }


def _found(client, **params) -> str:
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_finds_cards_of_visible_boards_only(client, bob, cards):
    client.force_login(bob)
    page = _found(client, q="celery")
    assert f'id="found-card-{cards["team"].pk}"' in page
    assert f'id="found-card-{cards["public"].pk}"' in page
    assert f'id="found-card-{cards["theirs"].pk}"' not in page  # another team's private board
    assert f'id="found-card-{cards["other"].pk}"' not in page
    assert cards["team"].get_absolute_url() in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_a_title_match_ranks_first(client, bob, cards):
    client.force_login(bob)
    page = _found(client, q="celery")
    first, second = (page.index(f'found-card-{cards[k].pk}"') for k in ("team", "public"))
    assert first < second


def test_archived_cards_are_not_found(client, alice, cards):
    actions.archive_card(card=cards["team"], user=alice)
    client.force_login(alice)
    assert f'id="found-card-{cards["team"].pk}"' not in _found(client, q="celery")


def test_one_kind_only(client, alice, cards):
    from chat import actions as chat
    from chat.models import Room

    general = Room.objects.create(name="general", slug="general", created_by=alice)
    chat.post_message(room=general, author=alice, body="celery at noon", client_id="m1")
    client.force_login(alice)
    both = _found(client, q="celery")
    assert "celery at noon" in both and f"found-card-{cards['team'].pk}" in both
    only_cards = _found(client, q="celery", **{"in": "cards"})
    assert "celery at noon" not in only_cards and f"found-card-{cards['team'].pk}" in only_cards
    only_messages = _found(client, q="celery", **{"in": "messages"})
    assert "celery at noon" in only_messages and "found-card-" not in only_messages
    assert "found-card-" in _found(client, q="celery", **{"in": "<script>"})  # unknown: all


def test_the_old_address_still_works(client, alice):
    client.force_login(alice)
    response = client.get("/rooms/search/?q=celery+beat")
    assert response.status_code == 301
    assert response["Location"] == "/search/?q=celery+beat"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
@pytest.mark.parametrize(
    ("search", "index"),
    [("boards.queries.search_cards", "boards_card_fts"),
     ("chat.queries.search_messages", "chat_message_body_fts")],
)  # fmt: skip
def test_search_filters_on_its_index(alice, cards, search, index):
    """The query's text-search expression is the one indexed: with sequential scans priced out,
    the plan reads the GIN index (an expression that drifted from the index would not)."""
    from django.utils.module_loading import import_string

    found = import_string(search)(alice, "celery retries")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()
    assert index in plan
