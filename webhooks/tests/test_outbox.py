"""Events are recorded in the transaction of the change, only for teams whose endpoints want
them, with the data a receiver needs."""

import pytest
from django.db import transaction

from accounts import actions as accounts
from accounts.models import Role, User
from boards.actions import create_board, create_card, move_card
from chat.actions import create_room, post_message, resolve_thread
from chat.actions.messages import NewPost, post_messages
from webhooks import actions, outbox
from webhooks.models import Event, Kind
from webhooks.tests.conftest import make_endpoint

HOOK = "https://hooks.example.org/in"


@pytest.fixture
def room(team, alice):
    return create_room(user=alice, name="help", team=team)


def post(room, who, body="How do I paginate by cursor?", client_id="c1", **kw):
    return post_message(room=room, author=who, body=body, client_id=client_id, **kw).message


def test_nothing_is_recorded_without_an_endpoint(room, alice):
    post(room, alice)
    assert not Event.objects.exists()


def test_a_post_is_recorded_with_what_a_receiver_needs(room, team, alice):
    make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])
    message = post(room, alice)
    event = Event.objects.get()
    assert (event.kind, event.team_id, event.dispatched_at) == (Kind.MESSAGE_POSTED, team.pk, None)
    assert event.pk.startswith("msg_")
    assert event.data["room"]["name"] == "help"
    assert event.data["room"]["url"].endswith(room.get_absolute_url())
    assert event.data["message"]["body"] == "How do I paginate by cursor?"
    assert event.data["message"]["author"] == {"id": alice.pk, "name": alice.name}
    assert event.data["message"]["seq"] == message.seq


def test_an_endpoint_gets_only_the_kinds_it_chose(room, team, alice):
    make_endpoint(team, alice, HOOK, kinds=[Kind.QUESTION_RESOLVED])
    question = post(room, alice)
    assert not Event.objects.exists()
    resolve_thread(message=question, user=alice)
    resolve_thread(message=question, user=alice)  # resolved already: nothing new happened
    assert list(Event.objects.values_list("kind", flat=True)) == [Kind.QUESTION_RESOLVED]


def test_a_change_that_rolls_back_records_nothing(room, team, alice):
    make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])
    with pytest.raises(RuntimeError), transaction.atomic():
        post(room, alice)
        assert Event.objects.count() == 1  # in the same transaction as the message
        raise RuntimeError
    assert not Event.objects.exists()


def test_another_team_hears_nothing(room, alice, charlie):
    other = accounts.create_team(user=charlie, name="Other team")
    make_endpoint(other, charlie, HOOK, kinds=[Kind.MESSAGE_POSTED])
    post(room, alice)
    assert not Event.objects.exists()


def test_a_new_endpoint_is_heard_at_once_and_a_paused_one_not(room, team, alice):
    post(room, alice, client_id="before")  # the "no endpoint" answer is now cached
    endpoint = make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])
    post(room, alice, client_id="after")
    actions.set_active(endpoint=endpoint, user=alice, active=False)
    post(room, alice, client_id="paused")
    bodies = [e.data["message"]["client_id"] for e in Event.objects.all()]
    assert bodies == ["after"]


@pytest.mark.django_db(transaction=True)
def test_posts_written_together_are_each_recorded(team, alice, bob):
    room = create_room(user=alice, name="batch", team=team)
    make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])
    results = post_messages(
        [NewPost(room, who, f"post {i}", f"c{i}") for i, who in enumerate([alice, bob, alice])]
    )
    assert all(result.created for result in results)
    recorded = sorted(e.data["message"]["body"] for e in Event.objects.all())
    assert recorded == ["post 0", "post 1", "post 2"]


def test_cards_created_moved_and_solved(team, alice):
    board = create_board(user=alice, name="Challenges", team=team)
    make_endpoint(team, alice, HOOK, kinds=[Kind.CARD_CREATED, Kind.CARD_MOVED, Kind.CARD_SOLVED])
    first, *middle, last = board.columns.all()
    card = create_card(board=board, user=alice, title="JWT refresh", problem="Tokens expire")
    move_card(card=card, user=alice, column=first)  # same column: no event
    move_card(card=card, user=alice, column=middle[0])
    move_card(card=card, user=alice, column=last)
    kinds = list(Event.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == [Kind.CARD_CREATED, Kind.CARD_MOVED, Kind.CARD_MOVED, Kind.CARD_SOLVED]
    solved = Event.objects.get(kind=Kind.CARD_SOLVED).data
    assert solved["card"]["title"] == "JWT refresh"
    assert (solved["from_column"]["id"], solved["column"]["id"]) == (middle[0].pk, last.pk)


def test_members_joining_by_invite_or_by_an_owner(team, alice, charlie):
    make_endpoint(team, alice, HOOK, kinds=[Kind.MEMBER_JOINED])
    invite = accounts.create_invite(team=team, user=alice)
    accounts.accept_invite(invite=invite, user=charlie)
    accounts.accept_invite(invite=invite, user=charlie)  # in already: not again
    dora = User.objects.create_user(email="dora@example.com", password="x" * 12)
    accounts.add_member(team=team, user=alice, member=dora, role=Role.VIEWER)
    joined = [(e.data["member"]["id"], e.data["role"]) for e in Event.objects.all()]
    assert joined == [(charlie.pk, Role.MEMBER), (dora.pk, Role.VIEWER)]


def test_the_wanted_kinds_are_asked_of_the_database_once(team, alice, django_assert_num_queries):
    make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])
    outbox._local.clear()
    with django_assert_num_queries(1):
        assert outbox.wanted(team.pk) == {Kind.MESSAGE_POSTED}
    outbox._local.clear()  # another process: the shared cache answers
    with django_assert_num_queries(0):
        assert outbox.wanted(team.pk) == {Kind.MESSAGE_POSTED}
