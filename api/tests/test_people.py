"""Teams, members, mentions and search over the API: what each person may see."""

import pytest

from accounts import actions as account_actions
from chat import actions


def test_my_teams_name_my_role(bearer, alice, bob, charlie, team):
    assert bearer(bob).get("/api/v1/teams/").json() == [
        {"slug": "project-nexus", "name": "Project Nexus", "description": "", "role": "member"}
    ]
    assert bearer(charlie).get("/api/v1/teams/").json() == []


@pytest.mark.parametrize(("who", "status"), [("vera", 200), ("charlie", 404)])
def test_members_are_shown_to_the_team_only(bearer, vera, charlie, team, who, status):
    person = {"vera": vera, "charlie": charlie}[who]
    response = bearer(person).get(f"/api/v1/teams/{team.slug}/members/")
    assert response.status_code == status
    if status == 200:
        assert {m["name"]: m["role"] for m in response.json()} == {
            "Alice": "owner", "Bob": "member", "Vera": "viewer",
        }  # fmt: skip
    else:
        assert "Alice" not in response.content.decode()


def test_mentions_list_where_i_was_mentioned_and_only_in_rooms_i_still_see(
    bearer, alice, bob, team
):
    general = actions.create_room(user=alice, name="general")
    private = actions.create_room(user=alice, name="nexus", team=team, is_private=True)
    actions.post_message(room=general, author=alice, body="@bob look", client_id="a")
    actions.post_message(room=private, author=alice, body="@bob secret", client_id="b")
    found = bearer(bob).get("/api/v1/mentions/").json()
    assert [m["message"]["body"] for m in found] == ["@bob secret", "@bob look"]
    account_actions.remove_member(team=team, user=alice, member=bob)
    found = bearer(bob).get("/api/v1/mentions/").json()
    assert [m["message"]["body"] for m in found] == ["@bob look"]


def test_search_finds_only_what_the_person_may_read(bearer, alice, charlie, team):
    general = actions.create_room(user=alice, name="general")
    private = actions.create_room(user=alice, name="nexus", team=team, is_private=True)
    actions.post_message(room=general, author=alice, body="pagination cursor", client_id="a")
    actions.post_message(room=private, author=alice, body="pagination secret", client_id="b")
    found = bearer(charlie).get("/api/v1/search/?q=pagination").json()
    assert [m["body"] for m in found] == ["pagination cursor"]
    assert bearer(charlie).get("/api/v1/search/?q=").status_code == 400


def test_card_search_finds_only_cards_the_person_may_read(
    bearer, alice, charlie, team, django_assert_max_num_queries
):
    from boards import actions as boards

    private = boards.create_board(user=alice, name="Ours", team=team)
    public = boards.create_board(user=alice, name="Open")
    for i in range(3):
        boards.create_card(board=public, user=alice, title=f"Pagination cursor {i}", tags="api")
    boards.create_card(board=private, user=alice, title="Pagination secret")
    with django_assert_max_num_queries(8):  # not one per card (labels: only boards with some)
        found = bearer(charlie).get("/api/v1/search/cards/?q=pagination").json()
    assert sorted(card["title"] for card in found) == [f"Pagination cursor {i}" for i in range(3)]
    assert found[0]["tags"] == ["api"]
    assert len(bearer(alice).get("/api/v1/search/cards/?q=pagination").json()) == 4
    assert bearer(charlie).get("/api/v1/search/cards/?q=%20").status_code == 400


def test_a_team_is_created_with_me_as_its_owner(bearer, charlie):
    response = bearer(charlie).post("/api/v1/teams/", {"name": "Frontend peers"}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "slug": "frontend-peers", "name": "Frontend peers", "description": "", "role": "owner",
    }  # fmt: skip
    bad = bearer(charlie).post("/api/v1/teams/", {"name": "  "}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    wrong = bearer(charlie).post("/api/v1/teams/", {"name": 7}, format="json")
    assert wrong.status_code == 400


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 201), ("bob", 403), ("vera", 403), ("charlie", 404)]
)
def test_only_owners_make_invites(bearer, alice, bob, vera, charlie, team, who, status):
    person = {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}[who]
    response = bearer(person).post(
        f"/api/v1/teams/{team.slug}/invites/", {"role": "viewer"}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert response.json()["role"] == "viewer"
        assert response.json()["url"].endswith(f"/invites/{response.json()['token']}/")


def test_an_invite_is_accepted_over_the_api(bearer, alice, charlie, team):
    made = bearer(alice).post(f"/api/v1/teams/{team.slug}/invites/", {}, format="json").json()
    joined = bearer(charlie).post(f"/api/v1/invites/{made['token']}/accept/")
    assert (joined.status_code, joined.json()["role"]) == (200, "member")
    assert bearer(charlie).get(f"/api/v1/teams/{team.slug}/members/").status_code == 200
    assert bearer(charlie).post("/api/v1/invites/nope/accept/").status_code == 404
    bad = bearer(alice).post(
        f"/api/v1/teams/{team.slug}/invites/", {"role": "owner"}, format="json"
    )
    assert bad.status_code == 400


def test_card_search_shows_labels_where_boards_have_them(bearer, alice, charlie):
    from boards import actions as boards

    board = boards.create_board(user=alice, name="Open")
    label = boards.create_label(board=board, user=alice, name="Blocked", colour="red")
    boards.create_card(board=board, user=alice, title="Pagination", labels=[label.pk])
    (found,) = bearer(charlie).get("/api/v1/search/cards/?q=pagination").json()
    assert found["labels"] == [{"id": label.pk, "name": "Blocked", "colour": "red"}]


def test_similar_solved_challenges_are_those_i_can_see(bearer, alice, charlie, team):
    from boards import actions as boards

    def solved(board, title):
        card = boards.create_card(board=board, user=alice, title=title, tags="celery")
        return boards.move_card(card=card, user=alice, column=board.columns.last())

    public = boards.create_board(user=alice, name="Open")
    private = boards.create_board(user=alice, name="Team", team=team)
    solved(public, "Celery tasks retry forever")
    solved(private, "Celery retries forever, privately")
    question = "/api/v1/search/similar/?q=why does my celery task keep retrying"
    found = bearer(charlie).get(question).json()
    assert [card["title"] for card in found] == ["Celery tasks retry forever"]
    assert found[0]["tags"] == ["celery"]
    assert len(bearer(alice).get(question).json()) == 2
    assert bearer(charlie).get("/api/v1/search/similar/?q=celery").json() == []  # too short
    assert bearer(charlie).get("/api/v1/search/similar/?q=").status_code == 400
