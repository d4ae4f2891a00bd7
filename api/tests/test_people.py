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
