"""A NUL character in an address, a query string or a form answers a readable 400, never a 500.

PostgreSQL refuses NUL in text, so before the check these requests failed inside a query.
"""

import pytest

from accounts.models import Team
from boards import actions as board_actions
from boards.models import Card
from chat.models import Room

READABLE = "cannot be used"


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Real-world challenges", team=team)


def assert_readable_400(response) -> None:
    assert response.status_code == 400
    assert READABLE in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=slow%00api",
        "/invites/%00/",
        "/invites/abc%00def/",
        "/teams/%00/",
        "/admin/accounts/user/?q=%00",
    ],
)
def test_it_answers_400_to_nul_in_an_address(as_person, alice, url):
    alice.is_staff = alice.is_superuser = True
    alice.save(update_fields=["is_staff", "is_superuser"])
    assert_readable_400(as_person("alice").get(url))


@pytest.mark.parametrize("query", ["q=%00", "tag=%00", "tag=api%00", "assignee=%00", "column=%00"])
def test_it_answers_400_to_nul_in_a_board_filter(as_person, board, query):
    assert_readable_400(as_person("alice").get(f"/boards/{board.pk}/?{query}"))


def test_it_answers_400_to_nul_in_a_parameter_name(as_person):
    assert_readable_400(as_person("alice").get("/search/?%00=x"))


def test_it_answers_400_to_nul_when_signed_out(client):
    assert_readable_400(client.get("/invites/%00/"))


def test_it_refuses_a_room_form_with_nul(as_person):
    response = as_person("alice").post("/rooms/", {"name": "gen\x00eral", "audience": "public"})
    assert_readable_400(response)
    assert not Room.objects.exists()


def test_it_refuses_a_team_form_with_nul(as_person):
    response = as_person("alice").post("/teams/", {"name": "Nu\x00ll", "description": ""})
    assert_readable_400(response)
    assert not Team.objects.exists()


def test_it_refuses_a_card_form_with_nul(as_person, board):
    column = board.columns.first()
    response = as_person("alice").post(
        f"/boards/{board.pk}/cards/", {"title": "Slow\x00API", "column": str(column.pk)}
    )
    assert_readable_400(response)
    assert not Card.objects.exists()


def test_it_refuses_a_nul_in_the_column_of_a_card_form(as_person, board):
    response = as_person("alice").post(
        f"/boards/{board.pk}/cards/", {"title": "Slow API", "column": "\x00"}
    )
    assert_readable_400(response)
    assert not Card.objects.exists()


def test_it_refuses_a_session_cookie_with_nul(client, alice):
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert_readable_400(client.get("/teams/"))


def test_it_still_serves_ordinary_requests(as_person, board):
    client = as_person("alice")
    assert client.get("/search/?q=slow+api").status_code == 200
    assert client.get(f"/boards/{board.pk}/?tag=api&q=slow").status_code == 200
