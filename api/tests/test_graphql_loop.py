"""The learning loop over GraphQL: the loop's fields on messages and cards, and promote,
accept/unaccept, verify/unverify through the same actions and policies as REST (the same
people allowed, the same codes refused)."""

import pytest

from accounts.models import Membership, Role
from api import tokens
from api.tests.test_graphql import ask, codes
from boards import actions as board_actions
from boards.models import Card
from chat import actions
from chat.models import Message, Room
from conftest import make_person

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice", "maya", "removed"]


@pytest.fixture
def maya(team):
    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def removed(team):
    """Once a member, no longer."""
    person = make_person("rita@example.com", "Rita")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    Membership.objects.filter(team=team, user=person).delete()
    return person


@pytest.fixture
def loop(team, alice, bob, vera, charlie, maya, removed):
    room = Room.objects.create(
        name="help", slug="help", team=team, is_private=True, created_by=alice
    )
    board = board_actions.create_board(user=alice, name="Challenges", team=team)
    question = actions.post_message(room=room, author=bob, body="Why 502?", client_id="q").message
    reply = actions.post_message(
        room=room, author=alice, body="The proxy timeout.", client_id="r", parent=question
    ).message
    people = {
        "alice": alice,
        "bob": bob,
        "vera": vera,
        "charlie": charlie,
        "maya": maya,
        "removed": removed,
    }
    return {
        "room": room,
        "board": board,
        "question": question,
        "reply": reply,
        "people": people,
        "token": lambda who: None if who == "anonymous" else tokens.sign_in(people[who]).access,
    }


UNSEEN = {"anonymous": "not_authenticated", "charlie": "not_found", "removed": "not_found"}
# Bob asked; Alice (owner) answered; Maya is the room's mentor; Vera only reads.
PROMOTE = {**UNSEEN, "vera": "forbidden"}
ACCEPT = {**UNSEEN, "vera": "forbidden", "alice": "forbidden", "maya": "forbidden"}
VERIFY = {**UNSEEN, "vera": "forbidden", "alice": "forbidden", "bob": "forbidden"}

PROMOTE_Q = (
    "mutation($id: Int!, $board: Int!) { promote(id: $id, board: $board) "
    "{ created card { title source { message room url } } } }"
)


@pytest.mark.parametrize("who", PEOPLE)
def test_promote_is_allowed_as_over_rest(loop, who):
    question = loop["question"]
    response = ask(
        PROMOTE_Q, {"id": question.pk, "board": loop["board"].pk}, token=loop["token"](who)
    )
    assert codes(response) == ([PROMOTE[who]] if who in PROMOTE else []), response.json()
    assert Card.objects.filter(source=question).exists() is (who not in PROMOTE)
    if who not in PROMOTE:
        promoted = response.json()["data"]["promote"]
        assert promoted["created"] is True
        assert promoted["card"]["title"] == "Why 502?"
        assert promoted["card"]["source"]["message"] == question.pk
        assert promoted["card"]["source"]["room"] == loop["room"].pk


def test_promoting_again_answers_the_same_card_not_created(loop):
    variables = {"id": loop["question"].pk, "board": loop["board"].pk}
    first = ask(PROMOTE_Q, variables, token=loop["token"]("bob")).json()["data"]["promote"]
    again = ask(PROMOTE_Q, variables, token=loop["token"]("bob")).json()["data"]["promote"]
    assert (first["created"], again["created"]) == (True, False)
    assert Card.objects.count() == 1


def test_promote_refuses_a_board_not_yours_and_a_reply(loop, charlie):
    token = loop["token"]("bob")
    response = ask(PROMOTE_Q, {"id": loop["question"].pk, "board": 99999}, token=token)
    assert codes(response) == ["invalid"]
    response = ask(PROMOTE_Q, {"id": loop["reply"].pk, "board": loop["board"].pk}, token=token)
    assert codes(response) == ["invalid"]
    assert Card.objects.count() == 0


@pytest.mark.parametrize("who", PEOPLE)
def test_accept_and_unaccept_are_the_askers(loop, who):
    reply = loop["reply"]
    response = ask(
        "mutation($id: Int!) { accept(id: $id) { accepted } }",
        {"id": reply.pk},
        token=loop["token"](who),
    )
    assert codes(response) == ([ACCEPT[who]] if who in ACCEPT else []), response.json()
    accepted = Message.objects.get(pk=reply.pk).accepted_at is not None
    assert accepted is (who not in ACCEPT)
    if accepted:
        assert response.json()["data"]["accept"] == {"accepted": True}
        taken = ask(
            "mutation($id: Int!) { unaccept(id: $id) { accepted } }",
            {"id": reply.pk},
            token=loop["token"](who),
        )
        assert taken.json()["data"]["unaccept"] == {"accepted": False}
    else:  # the asker accepts; nobody else takes it back
        actions.accept_answer(message=reply, user=loop["people"]["bob"])
        taken = ask(
            "mutation($id: Int!) { unaccept(id: $id) { accepted } }",
            {"id": reply.pk},
            token=loop["token"](who),
        )
        assert codes(taken) == [ACCEPT[who]]
        assert Message.objects.get(pk=reply.pk).accepted_at is not None


@pytest.mark.parametrize("who", PEOPLE)
def test_verify_and_unverify_are_the_mentors(loop, who):
    reply = loop["reply"]
    actions.accept_answer(message=reply, user=loop["people"]["bob"])
    response = ask(
        "mutation($id: Int!) { verify(id: $id) { accepted verified { by { name } at } } }",
        {"id": reply.pk},
        token=loop["token"](who),
    )
    assert codes(response) == ([VERIFY[who]] if who in VERIFY else []), response.json()
    verified = Message.objects.get(pk=reply.pk).verified_at is not None
    assert verified is (who not in VERIFY)
    if verified:
        answer = response.json()["data"]["verify"]
        assert answer["accepted"] is True and answer["verified"]["by"] == {"name": "Maya"}
        taken = ask(
            "mutation($id: Int!) { unverify(id: $id) { verified { at } } }",
            {"id": reply.pk},
            token=loop["token"](who),
        )
        assert taken.json()["data"]["unverify"] == {"verified": None}


def test_verifying_what_is_not_accepted_is_invalid(loop):
    response = ask(
        "mutation($id: Int!) { verify(id: $id) { verified { at } } }",
        {"id": loop["reply"].pk},
        token=loop["token"]("maya"),
    )
    assert codes(response) == ["invalid"]


def test_accepting_the_question_itself_is_invalid(loop):
    response = ask(
        "mutation($id: Int!) { accept(id: $id) { accepted } }",
        {"id": loop["question"].pk},
        token=loop["token"]("bob"),
    )
    assert codes(response) == ["invalid"]


def test_messages_and_cards_carry_the_loop(loop):
    bob, maya = loop["people"]["bob"], loop["people"]["maya"]
    question, reply, board = loop["question"], loop["reply"], loop["board"]
    card = board_actions.promote_message(message=question, user=bob, board=board).card
    actions.accept_answer(message=reply, user=bob)
    actions.verify_answer(message=Message.objects.get(pk=reply.pk), user=maya)
    token = loop["token"]("vera")
    asked = ask(
        "query($id: Int!) { message(id: $id) { accepted verified { by { name } } answer "
        "card { id board url } } }",
        {"id": question.pk},
        token=token,
    ).json()["data"]["message"]
    assert asked == {
        "accepted": False,
        "verified": None,
        "answer": reply.pk,
        "card": {"id": card.pk, "board": board.pk, "url": card.get_absolute_url()},
    }
    answered = ask(
        "query($id: Int!) { message(id: $id) { accepted verified { by { id name } } } }",
        {"id": reply.pk},
        token=token,
    ).json()["data"]["message"]
    assert answered == {"accepted": True, "verified": {"by": {"id": maya.pk, "name": "Maya"}}}
    shown = ask(
        "query($id: Int!) { card(id: $id) { source { message room url } "
        "accepted { message author { name } url } verified { by { name } at } } }",
        {"id": card.pk},
        token=token,
    ).json()["data"]["card"]
    assert shown["source"] == {
        "message": question.pk,
        "room": loop["room"].pk,
        "url": Message.objects.get(pk=question.pk).thread_url,
    }
    assert shown["accepted"]["message"] == reply.pk
    assert shown["accepted"]["author"] == {"name": "Alice"}
    assert shown["verified"]["by"] == {"name": "Maya"}


def test_a_card_without_a_thread_has_no_loop(loop):
    card = board_actions.create_card(board=loop["board"], user=loop["people"]["alice"], title="x")
    shown = ask(
        "query($id: Int!) { card(id: $id) { source { url } accepted { url } verified { at } } }",
        {"id": card.pk},
        token=loop["token"]("bob"),
    ).json()["data"]["card"]
    assert shown == {"source": None, "accepted": None, "verified": None}
