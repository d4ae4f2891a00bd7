"""The learning loop over the API and the pages: who may promote, accept and verify (the
access matrix: outsider, viewer, member, owner, mentor), and hostile input answered 400."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from boards import actions as board_actions
from boards.models import Card
from chat import actions
from chat.models import Message, Room
from conftest import make_person

PEOPLE = ["charlie", "vera", "bob", "alice", "maya"]


@pytest.fixture
def maya(team):
    """A mentor, and a member of the team (so she can see its private room)."""
    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def people(alice, bob, vera, charlie, maya):
    return {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie, "maya": maya}


@pytest.fixture
def room(team, alice):
    return Room.objects.create(
        name="help", slug="help", team=team, is_private=True, created_by=alice
    )


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Challenges", team=team)


@pytest.fixture
def question(room, bob):
    return actions.post_message(room=room, author=bob, body="Why 502?", client_id="q").message


@pytest.fixture
def reply(room, question, alice):
    return actions.post_message(
        room=room, author=alice, body="The proxy timeout.", client_id="r", parent=question
    ).message


def _url(name, message):
    return f"/api/v1/rooms/{message.room.slug}/messages/{message.pk}/{name}/"


# Promote: whoever sees the message and edits the board (team owners and members).
PROMOTE = {"charlie": 404, "vera": 403, "bob": 201, "alice": 201, "maya": 201}
# Accept: the asker (bob) only.
ACCEPT = {"charlie": 404, "vera": 403, "bob": 200, "alice": 403, "maya": 403}
# Verify: mentors of the room (maya), not the answer's author.
VERIFY = {"charlie": 404, "vera": 403, "bob": 403, "alice": 403, "maya": 200}


@pytest.mark.parametrize("who", PEOPLE)
def test_promoting_over_the_api(bearer, people, board, question, who):
    response = bearer(people[who]).post(_url("card", question), {"board": board.pk}, format="json")
    assert response.status_code == PROMOTE[who], response.content
    assert Card.objects.filter(source=question).exists() is (PROMOTE[who] == 201)
    if response.status_code == 201:
        body = response.json()
        assert body["source"]["message"] == question.pk and body["title"] == "Why 502?"


@pytest.mark.parametrize("who", PEOPLE)
def test_accepting_over_the_api(bearer, people, reply, who):
    response = bearer(people[who]).post(_url("accepted", reply))
    assert response.status_code == ACCEPT[who], response.content
    accepted = Message.objects.get(pk=reply.pk).accepted_at is not None
    assert accepted is (ACCEPT[who] == 200)
    if accepted:
        assert response.json()["accepted"] is True


@pytest.mark.parametrize("who", PEOPLE)
def test_verifying_over_the_api(bearer, people, bob, reply, who):
    actions.accept_answer(message=reply, user=bob)
    response = bearer(people[who]).post(_url("verified", reply))
    assert response.status_code == VERIFY[who], response.content
    if VERIFY[who] == 200:
        assert response.json()["verified"]["by"]["name"] == "Maya"
    else:
        assert Message.objects.get(pk=reply.pk).verified_at is None


@pytest.mark.parametrize("who", PEOPLE)
def test_promoting_from_the_page(client, people, board, question, who):
    client.force_login(people[who])
    url = reverse("chat:promote", args=[question.room.slug, question.pk])
    page = client.get(url)
    response = client.post(url, {"board": board.pk})
    expected = {"charlie": 404, "vera": 400, "bob": 302, "alice": 302, "maya": 302}[who]
    assert page.status_code == (404 if who == "charlie" else 200)
    assert response.status_code == expected
    assert Card.objects.filter(source=question).exists() is (expected == 302)


def test_promoting_again_answers_the_same_card(bearer, bob, board, question):
    first = bearer(bob).post(_url("card", question), {"board": board.pk}, format="json")
    again = bearer(bob).post(_url("card", question), {"board": board.pk}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_a_promoted_message_carries_its_card(bearer, bob, board, question):
    card = bearer(bob).post(_url("card", question), {"board": board.pk}, format="json").json()
    message = bearer(bob).get(f"/api/v1/rooms/help/messages/{question.pk}/").json()
    assert message["card"] == {"id": card["id"], "board": board.pk, "url": message["card"]["url"]}
    assert message["card"]["url"] == f"/boards/{board.pk}/cards/{card['id']}/"


@pytest.mark.parametrize(
    "body",
    [{"board": "x"}, {"board": True}, {"board": None}, {"board": [1]}, {}, {"board": "1\x00"}],
)
def test_hostile_promotions_are_400(bearer, bob, board, question, body):
    response = bearer(bob).post(_url("card", question), body, format="json")
    assert response.status_code == 400, response.content
    assert Card.objects.count() == 0


def test_a_board_of_another_team_is_no_board_of_yours(bearer, bob, question, charlie):
    from accounts.models import Team

    other = Team.objects.create(name="Other", slug="other")
    Membership.objects.create(team=other, user=charlie, role=Role.OWNER)
    theirs = board_actions.create_board(user=charlie, name="Theirs", team=other)
    response = bearer(bob).post(_url("card", question), {"board": theirs.pk}, format="json")
    assert response.status_code == 400 and Card.objects.count() == 0


def test_a_message_of_another_room_is_not_found(bearer, bob, alice, board, question):
    general = actions.create_room(user=alice, name="general")
    url = f"/api/v1/rooms/{general.slug}/messages/{question.pk}/card/"
    assert bearer(bob).post(url, {"board": board.pk}, format="json").status_code == 404
    url = f"/api/v1/rooms/{general.slug}/messages/{question.pk}/accepted/"
    assert bearer(bob).post(url).status_code == 404


def test_accepting_the_question_itself_is_400(bearer, bob, question):
    assert bearer(bob).post(_url("accepted", question)).status_code == 400


def test_verifying_an_answer_not_accepted_is_400(bearer, maya, reply):
    assert bearer(maya).post(_url("verified", reply)).status_code == 400


def test_the_page_refuses_a_board_that_is_not_a_number(client, bob, board, question):
    client.force_login(bob)
    url = reverse("chat:promote", args=[question.room.slug, question.pk])
    for value in ("abc", "1\x00", "", str(board.pk + 999)):
        assert client.post(url, {"board": value}).status_code == 400
    assert Card.objects.count() == 0


def test_the_htmx_picker_answers_the_cards_link_or_an_inline_error(client, bob, board, question):
    client.force_login(bob)
    url = reverse("chat:promote", args=[question.room.slug, question.pk])
    refused = client.post(url, {"board": "abc"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and refused["X-Inline-Error"] == "true"
    done = client.post(url, {"board": board.pk}, headers={"HX-Request": "true"})
    card = Card.objects.get(source=question)
    assert done.status_code == 200 and card.get_absolute_url() in done.content.decode()


def test_the_thread_panel_offers_the_board_picker_and_the_card_page_the_thread(
    client, bob, vera, board, question
):
    client.force_login(bob)
    panel = client.get(
        reverse("chat:thread", args=[question.room.slug, question.pk]),
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Promote to a card on" in panel and f'value="{board.pk}"' in panel
    card = board_actions.promote_message(message=question, user=bob, board=board).card
    page = client.get(card.get_absolute_url()).content.decode()
    assert "Discussed in #help" in page and question.thread_url in page
    public = board_actions.create_board(user=bob, name="Open")
    elsewhere = Card.objects.create(
        board=public, column=public.columns.first(), title="x", position=1
    )
    assert elsewhere  # a card without a thread shows no discussion line
    assert "Discussed in" not in client.get(elsewhere.get_absolute_url()).content.decode()
