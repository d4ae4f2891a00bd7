"""Boards and columns over the API: created, added, renamed, moved and removed through the
same actions and policies as the board page."""

import pytest

from boards import actions
from boards.models import Column


@pytest.fixture
def board(team, alice):
    return actions.create_board(user=alice, name="Challenges", team=team)


def names(answer) -> list[str]:
    return [column["name"] for column in answer.json()["columns"]]


@pytest.mark.parametrize(("who", "status"), [("bob", 201), ("vera", 403), ("charlie", 400)])
def test_a_team_board_is_created_by_its_members(bearer, bob, vera, charlie, team, who, status):
    person = {"bob": bob, "vera": vera, "charlie": charlie}[who]
    answer = bearer(person).post(
        "/api/v1/boards/", {"name": "Sprint", "team": team.slug}, format="json"
    )
    assert answer.status_code == status
    if status == 201:
        assert answer.json()["private"] is True
        assert names(answer)  # the default columns


def test_a_board_of_my_own_is_public(bearer, charlie):
    answer = bearer(charlie).post("/api/v1/boards/", {"name": "Mine"}, format="json")
    assert (answer.status_code, answer.json()["private"], answer.json()["team"]) == (
        201, False, None,
    )  # fmt: skip


@pytest.mark.parametrize(("who", "status"), [("bob", 201), ("vera", 403), ("charlie", 404)])
def test_columns_are_added_by_editors_only(bearer, bob, vera, charlie, board, who, status):
    person = {"bob": bob, "vera": vera, "charlie": charlie}[who]
    answer = bearer(person).post(
        f"/api/v1/boards/{board.pk}/columns/", {"name": "Review"}, format="json"
    )
    assert answer.status_code == status
    if status == 201:
        assert names(answer)[-1] == "Review"


def test_a_column_is_renamed_and_moved(bearer, bob, board):
    first, second = board.columns.all()[:2]
    url = f"/api/v1/boards/{board.pk}/columns/{second.pk}/"
    answer = bearer(bob).patch(url, {"name": "Doing", "offset": -1}, format="json")
    assert answer.status_code == 200
    assert names(answer)[:2] == ["Doing", first.name]
    for bad in ({}, {"offset": 2}, {"name": ""}, {"name": 5}):
        refused = bearer(bob).patch(url, bad, format="json")
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid"), bad
    edge = bearer(bob).patch(url, {"offset": -1}, format="json")  # already first
    assert edge.status_code == 400


def test_removing_a_column_is_for_owners_and_asks_where_its_cards_go(bearer, alice, bob, board):
    first, second = board.columns.all()[:2]
    actions.create_card(board=board, user=alice, column=first, title="Moves along")
    url = f"/api/v1/boards/{board.pk}/columns/{first.pk}/"
    assert bearer(bob).delete(url).status_code == 403
    assert bearer(alice).delete(url).status_code == 400  # it holds a card
    assert bearer(alice).delete(f"{url}?move_to=nope").status_code == 400
    assert bearer(alice).delete(f"{url}?move_to=999999").status_code == 400
    answer = bearer(alice).delete(f"{url}?move_to={second.pk}")
    assert answer.status_code == 200
    assert first.name not in names(answer)
    assert [c["title"] for c in answer.json()["columns"][0]["cards"]] == ["Moves along"]
    assert not Column.objects.filter(pk=first.pk).exists()


def test_activity_pages_by_event_and_filters_by_card(bearer, alice, vera, charlie, board):
    card = actions.create_card(board=board, user=alice, title="Cursor")
    actions.update_card(card=card, user=alice, base_version=1, changes={"solution": "Index"})
    url = f"/api/v1/boards/{board.pk}/activity/"
    entries = bearer(vera).get(url).json()
    assert [e["verb"] for e in entries] == ["edited a card", "added a card", "created the board"]
    assert entries[0]["actor"] == {"id": alice.pk, "name": alice.name}
    assert entries[0]["changes"]["solution"] == ["", "Index"]
    older = bearer(vera).get(f"{url}?before={entries[0]['event']}").json()
    assert [e["verb"] for e in older] == ["added a card", "created the board"]
    mine = bearer(vera).get(f"{url}?card={card.pk}").json()
    assert {e["card"] for e in mine} == {card.pk}
    assert bearer(vera).get(f"{url}?before=soon").status_code == 400
    assert bearer(charlie).get(url).status_code == 404


def test_a_board_exports_as_json(bearer, alice, vera, charlie, board):
    actions.create_card(board=board, user=alice, title="Cursor", solution="Index")
    data = bearer(vera).get(f"/api/v1/boards/{board.pk}/export/").json()
    assert data["board"]["name"] == "Challenges"
    assert [c["title"] for c in data["cards"]] == ["Cursor"]
    assert bearer(charlie).get(f"/api/v1/boards/{board.pk}/export/").status_code == 404
