"""Boards and cards over the API: reads with ETags, edits with If-Match, merged like the
web editor, a true overlap refused with the current card."""

import pytest

from boards import actions
from boards.models import Card


@pytest.fixture
def board(team, alice):
    return actions.create_board(user=alice, name="Challenges", team=team)


@pytest.fixture
def card(board, alice):
    return actions.create_card(
        board=board, user=alice, title="Slow API", solution="line 1\nline 2\nline 3\n"
    )


def patch(client, card, changes, if_match='"v1"'):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return client.patch(f"/api/v1/cards/{card.pk}/", changes, format="json", **headers)


def test_a_card_read_carries_its_version_as_etag(bearer, bob, card):
    client = bearer(bob)
    response = client.get(f"/api/v1/cards/{card.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"v1"'
    assert response.json()["title"] == "Slow API"
    again = client.get(f"/api/v1/cards/{card.pk}/", HTTP_IF_NONE_MATCH='"v1"')
    assert again.status_code == 304


def test_an_edit_from_the_current_version_saves(bearer, bob, card):
    response = patch(bearer(bob), card, {"title": "Slow API under load", "tags": ["perf"]})
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v2"'
    body = response.json()
    assert body["card"]["title"] == "Slow API under load" and body["card"]["tags"] == ["perf"]
    assert body["merged"] is False


def test_edits_to_different_lines_merge_like_the_web_editor(bearer, alice, bob, card):
    actions.update_card(
        card=card, user=alice, base_version=1, changes={"solution": "line ONE\nline 2\nline 3\n"}
    )
    response = patch(bearer(bob), card, {"solution": "line 1\nline 2\nline THREE\n"})
    assert response.status_code == 200, response.content
    assert response.json()["merged"] is True
    assert Card.objects.get().solution == "line ONE\nline 2\nline THREE\n"


def test_a_true_overlap_is_a_409_with_the_current_card_and_nothing_saved(bearer, alice, bob, card):
    actions.update_card(
        card=card, user=alice, base_version=1, changes={"solution": "line 1\nALICE\nline 3\n"}
    )
    response = patch(bearer(bob), card, {"solution": "line 1\nBOB\nline 3\n"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "edit_conflict" and problem["fields"] == ["solution"]
    assert problem["card"]["solution"] == "line 1\nALICE\nline 3\n"
    assert response["ETag"] == '"v2"'
    assert Card.objects.get().version == 2  # Bob's text was not saved


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [(None, 428, "precondition_required"), ('"v9"', 412, "precondition_failed"),
     ("v1", 412, "precondition_failed"), ('W/"v1"', 412, "precondition_failed")],
)  # fmt: skip
def test_if_match_is_required_and_must_name_a_version(bearer, bob, card, if_match, status, code):
    response = patch(bearer(bob), card, {"title": "x"}, if_match=if_match)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert Card.objects.get().title == "Slow API"


@pytest.mark.parametrize(
    "changes",
    [{"title": ""}, {"title": 5}, {"colour": "red"}, {"tags": "perf"}, {"assignees": ["x"]},
     {"links": "javascript:alert(1)"}],
)  # fmt: skip
def test_bad_card_changes_are_400_and_change_nothing(bearer, bob, card, changes):
    response = patch(bearer(bob), card, changes)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert Card.objects.get().version == 1


def test_the_board_lists_columns_and_cards_in_order(bearer, bob, board, card):
    data = bearer(bob).get(f"/api/v1/boards/{board.pk}/").json()
    assert [column["name"] for column in data["columns"]] == [
        "Challenge", "Investigating", "Solved",
    ]  # fmt: skip
    assert data["columns"][0]["cards"][0]["id"] == card.pk


def test_a_card_created_over_the_api_lands_in_the_first_column(bearer, bob, board):
    response = bearer(bob).post(
        f"/api/v1/boards/{board.pk}/cards/", {"title": "CORS"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["column"] == board.columns.first().pk


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("anonymous", 401, 401), ("charlie", 404, 404), ("vera", 200, 403), ("bob", 200, 200)],
)
def test_who_may_read_and_change_a_team_card(
    api, bearer, alice, bob, vera, charlie, card, who, read, write
):
    people = {"bob": bob, "vera": vera, "charlie": charlie}
    client = api if who == "anonymous" else bearer(people[who])
    assert client.get(f"/api/v1/cards/{card.pk}/").status_code == read
    assert client.get(f"/api/v1/boards/{card.board_id}/").status_code == read
    assert patch(client, card, {"title": "mine"}).status_code == write
    created = client.post(f"/api/v1/boards/{card.board_id}/cards/", {"title": "t"}, format="json")
    assert created.status_code == (201 if write == 200 else write)


def test_due_dates_labels_and_checklist_progress_over_the_api(bearer, board, card, bob):
    label = actions.create_label(board=board, user=bob, name="Blocked", colour="red")
    client = bearer(bob)
    changes = {"due": "2020-01-02", "labels": [label.pk], "checklist": "[x] a\n[ ] b"}
    response = patch(client, card, changes)
    assert response.status_code == 200, response.content
    data = response.json()["card"]
    assert data["due"] == "2020-01-02" and data["overdue"] is True
    assert data["labels"] == [{"id": label.pk, "name": "Blocked", "colour": "red"}]
    assert (data["checklist_done"], data["checklist_total"]) == (1, 2)
    cleared = patch(client, card, {"due": None}, if_match=f'"v{data["version"]}"')
    assert cleared.status_code == 200 and cleared.json()["card"]["due"] is None


def test_a_bad_due_date_or_another_boards_label_is_a_400(bearer, card, bob):
    assert patch(bearer(bob), card, {"due": "soon"}).status_code == 400
    assert patch(bearer(bob), card, {"labels": [99999]}).status_code in (400, 422)
