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
def test_exporting_a_team_board_in_the_background(as_person, board, who):
    """Whoever reads the board may export it (viewers too): an export shows what the page does."""
    from exports.models import Export

    response = as_person(who).post(
        "/exports/", {"kind": "board", "board": board.pk, "format": "md"}
    )
    assert response.status_code == {**READ, "vera": 302, "bob": 302, "alice": 302}[who]
    assert Export.objects.filter(board=board).exists() is (who in ("vera", "bob", "alice"))


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


def test_a_public_board_is_read_by_everyone_and_edited_by_its_team(as_person, team, alice):
    from boards import actions

    board = actions.create_board(user=alice, name="Shared write-up", team=team, public=True)
    url = reverse("boards:add_card", args=[board.pk])
    column = board.columns.first().pk
    for who, status in (("charlie", 403), ("bob", 302)):
        client = as_person(who)
        assert client.get(board.get_absolute_url()).status_code == 200
        assert client.post(url, {"title": f"by {who}", "column": column}).status_code == status
    assert list(Card.objects.values_list("title", flat=True)) == ["by bob"]


def test_a_board_without_a_team_is_its_creators(as_person, public_board):
    url = reverse("boards:add_card", args=[public_board.pk])
    column = public_board.columns.first().pk
    assert as_person("charlie").post(url, {"title": "x", "column": column}).status_code == 403
    assert as_person("alice").post(url, {"title": "y", "column": column}).status_code == 302


def test_only_owners_remove_columns(as_person, board):
    """A member is told so on the board, not shown a bare 403 page; members see no button."""
    column = board.columns.last()
    url = reverse("boards:column", args=[board.pk, column.pk])
    bob = as_person("bob")
    assert 'value="remove"' not in bob.get(board.get_absolute_url()).content.decode()
    response = bob.post(url, {"op": "remove"}, follow=True)
    assert response.redirect_chain == [(board.get_absolute_url(), 302)]
    assert "Only the board&#x27;s owners can remove columns." in response.content.decode()
    assert Column.objects.filter(pk=column.pk).exists()
    assert 'value="remove"' in as_person("alice").get(board.get_absolute_url()).content.decode()
    assert as_person("alice").post(url, {"op": "remove"}).status_code == 302
    assert not Column.objects.filter(pk=column.pk).exists()


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


@pytest.mark.parametrize("column", ["abc", "1.5", "99999999999999999999"])
def test_a_column_that_is_not_a_number_is_no_column(as_person, board, column):
    """Like an id of no column of this board: the card goes to the first column, no 500."""
    url = reverse("boards:add_card", args=[board.pk])
    response = as_person("alice").post(url, {"title": "New", "column": column})
    assert response.status_code == 302
    assert Card.objects.get(title="New").column == board.columns.first()


def test_removing_an_empty_column_ignores_a_move_to_that_is_not_a_number(as_person, board):
    column = board.columns.last()
    url = reverse("boards:column", args=[board.pk, column.pk])
    response = as_person("alice").post(url, {"op": "remove", "move_to": "abc"})
    assert response.status_code == 302
    assert Column.objects.filter(pk=column.pk).exists() is False
