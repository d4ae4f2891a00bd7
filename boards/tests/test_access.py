"""The access matrix for every board page and endpoint, on a team board."""

import pytest
from django.urls import reverse

from boards.models import Card, Column

PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice"]
READ = {"anonymous": 302, "charlie": 404, "vera": 200, "bob": 200, "alice": 200}
WRITE = {"anonymous": 302, "charlie": 404, "vera": 403, "bob": 302, "alice": 302}


@pytest.mark.parametrize("who", PEOPLE)
def test_reading_a_team_board(as_person, board, card, who):
    client = as_person(who)
    urls = [
        reverse("boards:detail", args=[board.pk]),
        reverse("boards:card", args=[board.pk, card.pk]),
        reverse("boards:activity", args=[board.pk]),
        reverse("boards:export", args=[board.pk, "md"]),
        reverse("boards:export", args=[board.pk, "json"]),
    ]
    assert [client.get(url).status_code for url in urls] == [READ[who]] * len(urls)


@pytest.mark.parametrize("who", PEOPLE)
def test_adding_a_card(as_person, board, who):
    url = reverse("boards:add_card", args=[board.pk])
    response = as_person(who).post(url, {"title": "New", "column": board.columns.first().pk})
    assert response.status_code == WRITE[who]
    assert Card.objects.filter(title="New").exists() is (who in ("bob", "alice"))


@pytest.mark.parametrize("who", PEOPLE)
def test_editing_a_card_over_http(as_person, board, card, who):
    url = reverse("boards:card", args=[board.pk, card.pk])
    response = as_person(who).post(
        url, {"version": 1, "title": "Edited", "solution": card.solution}
    )
    card.refresh_from_db()
    assert response.status_code == WRITE[who]
    assert (card.title == "Edited") is (who in ("bob", "alice"))


@pytest.mark.parametrize("who", PEOPLE)
def test_adding_a_column(as_person, board, who):
    response = as_person(who).post(reverse("boards:add_column", args=[board.pk]), {"name": "Q"})
    assert response.status_code == WRITE[who]
    assert Column.objects.filter(board=board, name="Q").exists() is (who in ("bob", "alice"))


def test_a_public_board_is_readable_and_writable_by_everyone_signed_in(
    client, charlie, public_board
):
    client.force_login(charlie)
    assert client.get(public_board.get_absolute_url()).status_code == 200
    url = reverse("boards:add_card", args=[public_board.pk])
    client.post(url, {"title": "From outside", "column": public_board.columns.first().pk})
    assert Card.objects.filter(board=public_board, title="From outside").exists()


def test_a_stale_http_save_merges_and_says_so(client, alice, bob, board, card):
    from boards import actions

    actions.update_card(card=card, user=alice, base_version=1, changes={"title": "By Alice"})
    client.force_login(bob)
    url = reverse("boards:card", args=[board.pk, card.pk])
    response = client.post(
        url, {"version": 1, "title": "Slow API", "solution": card.solution, "problem": "Bob's"},
        follow=True,
    )  # fmt: skip
    card.refresh_from_db()
    assert (card.title, card.problem, card.version) == ("By Alice", "Bob's", 3)
    assert "merged" in response.content.decode()
