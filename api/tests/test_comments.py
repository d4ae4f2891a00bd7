"""Card comments over REST and GraphQL: list, add, edit (mentions follow), delete; who may do
each; mentions of both kinds listed and marked seen through the API."""

import pytest

from accounts import actions as account_actions
from accounts.models import Membership, Role
from api import tokens
from api.tests.test_graphql import ask, codes
from boards import actions
from boards.models import Comment
from chat import actions as chat_actions
from chat.models import Mention
from conftest import make_person


@pytest.fixture
def card(team, alice):
    board = actions.create_board(user=alice, name="Challenges", team=team)
    return actions.create_card(board=board, user=alice, title="Slow cursor")


@pytest.fixture
def dana(team):
    person = make_person("dana@example.com", "Dana")
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


def test_comments_are_listed_added_edited_and_deleted(bearer, card, alice, bob, vera):
    api = bearer(bob)
    added = api.post(f"/api/v1/cards/{card.pk}/comments/", {"body": "@vera look"}, format="json")
    assert added.status_code == 201
    comment = added.json()
    assert comment["body"] == "@vera look" and comment["mentions"] == [vera.pk]
    assert comment["card_title"] == "Slow cursor" and comment["author"]["name"] == "Bob"
    listed = api.get(f"/api/v1/cards/{card.pk}/comments/").json()
    assert [c["id"] for c in listed] == [comment["id"]]
    url = f"/api/v1/comments/{comment['id']}/"
    edited = api.patch(url, {"body": "@alice look"}, format="json").json()
    assert edited["mentions"] == [alice.pk] and edited["edited_at"] is not None
    assert not Mention.objects.filter(user=vera).exists()
    assert api.patch(url, {"body": 7}, format="json").status_code == 400
    assert api.patch(url, {"body": "  "}, format="json").status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(f"/api/v1/cards/{card.pk}/comments/").json() == []


@pytest.mark.parametrize(
    ("who", "edit", "delete"),
    [
        ("author", 200, 204),
        ("other member", 403, 403),
        ("owner", 403, 204),
        ("outsider", 404, 404),
        ("removed member", 404, 404),
    ],
)
def test_who_may_edit_and_delete_over_rest(bearer, card, alice, bob, charlie, dana, who, edit,
                                           delete):  # fmt: skip
    comment = actions.add_comment(card=card, user=bob, body="first")
    person = {"author": bob, "other member": dana, "owner": alice, "outsider": charlie,
              "removed member": bob}[who]  # fmt: skip
    if who == "removed member":
        account_actions.remove_member(team=card.board.team, user=alice, member=bob)
    api = bearer(person)
    url = f"/api/v1/comments/{comment.pk}/"
    assert api.patch(url, {"body": "second"}, format="json").status_code == edit
    assert api.delete(url).status_code == delete
    assert Comment.objects.get(pk=comment.pk).is_deleted == (delete == 204)


def test_an_outsider_cannot_list_or_add_comments(bearer, card, charlie):
    api = bearer(charlie)
    assert api.get(f"/api/v1/cards/{card.pk}/comments/").status_code == 404
    response = api.post(f"/api/v1/cards/{card.pk}/comments/", {"body": "hi"}, format="json")
    assert response.status_code == 404 and not Comment.objects.exists()


def test_mentions_list_both_kinds_newest_first_and_are_marked_seen(bearer, card, alice, bob):
    room = chat_actions.create_room(user=alice, name="general")
    chat_actions.post_message(room=room, author=alice, body="@bob in a room", client_id="a")
    comment = actions.add_comment(card=card, user=alice, body="@bob on a card")
    api = bearer(bob)
    found = api.get("/api/v1/mentions/").json()
    assert [m["kind"] for m in found] == ["comment", "message"]
    assert found[0]["comment"]["body"] == "@bob on a card" and found[0]["message"] is None
    assert found[0]["url"] == f"{card.get_absolute_url()}#comment-{comment.pk}"
    assert found[1]["room"] == "general" and found[1]["comment"] is None
    assert api.post("/api/v1/mentions/seen/").json() == {"seen": 2}
    assert all(m["seen"] for m in api.get("/api/v1/mentions/").json())
    account_actions.remove_member(team=card.board.team, user=alice, member=bob)
    assert [m["kind"] for m in api.get("/api/v1/mentions/").json()] == ["message"]


def test_graphql_comments_and_mentions(card, alice, bob, dana):
    token = tokens.sign_in(bob).access
    added = ask(
        'mutation($card: Int!) { addComment(card: $card, body: "@alice see") { id mentions } }',
        {"card": card.pk},
        token=token,
    ).json()["data"]["addComment"]
    assert added["mentions"] == [alice.pk]
    mentions = ask(
        "{ mentions { kind url message { body } comment { body cardTitle author { name } } } }",
        token=tokens.sign_in(alice).access,
    ).json()["data"]["mentions"]
    assert mentions == [
        {
            "kind": "comment",
            "url": f"{card.get_absolute_url()}#comment-{added['id']}",
            "message": None,
            "comment": {
                "body": "@alice see",
                "cardTitle": "Slow cursor",
                "author": {"name": "Bob"},
            },
        }
    ]
    edit = "mutation($id: Int!, $body: String!) { editComment(id: $id, body: $body) { body } }"
    refused = ask(edit, {"id": added["id"], "body": "x"}, token=tokens.sign_in(dana).access)
    assert codes(refused) == ["forbidden"]
    edited = ask(edit, {"id": added["id"], "body": "see"}, token=token).json()["data"]
    assert edited == {"editComment": {"body": "see"}}
    assert not Mention.objects.filter(user=alice).exists()
    listed = ask(
        "query($card: Int!) { comments(card: $card) { id body } }", {"card": card.pk}, token=token
    ).json()["data"]["comments"]
    assert listed == [{"id": added["id"], "body": "see"}]
    gone = ask(
        "mutation($id: Int!) { deleteComment(id: $id) { deleted } }", {"id": added["id"]},
        token=tokens.sign_in(alice).access,  # the board's owner
    ).json()["data"]  # fmt: skip
    assert gone == {"deleteComment": {"deleted": True}}
    seen = ask("mutation { markMentionsSeen }", token=token).json()["data"]
    assert seen == {"markMentionsSeen": 0}


def test_graphql_refuses_a_lone_surrogate_in_a_comment(card, bob):
    """GraphQL's JSON carries "\\ud800" as a string (REST's serializers refuse it, sockets too):
    it is `invalid`, not a server_error from PostgreSQL."""
    token = tokens.sign_in(bob).access
    add = "mutation($card: Int!, $body: String!) { addComment(card: $card, body: $body) { id } }"
    refused = ask(add, {"card": card.pk, "body": "hi \ud800"}, token=token)
    assert codes(refused) == ["invalid"]
    added = ask(add, {"card": card.pk, "body": "hi"}, token=token).json()["data"]["addComment"]
    edit = "mutation($id: Int!, $body: String!) { editComment(id: $id, body: $body) { body } }"
    assert codes(ask(edit, {"id": added["id"], "body": "\udc00"}, token=token)) == ["invalid"]
    assert card.comments.get().body == "hi"
