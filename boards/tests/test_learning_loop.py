"""The learning loop (decision 019): a thread promoted to a card, the card and the thread kept
in step both ways without looping, accepted and verified answers."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from boards import actions
from boards.actions.challenges import TITLE_MAX, draft_section, question_title
from boards.models import Board, Card
from chat import actions as chat_actions
from chat.events import message_data
from chat.models import Message, Room
from chat.queries import messages_of


@pytest.fixture
def room(team, alice):
    return Room.objects.create(
        name="help", slug="help", team=team, is_private=True, created_by=alice
    )


@pytest.fixture
def mentor(team):
    """Maya, a mentor and a member of the team."""
    from accounts.models import Membership, Role
    from conftest import make_person

    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


def _post(room, author, body, parent=None, client_id=None):
    client_id = client_id or f"c{Message.objects.count()}"
    return chat_actions.post_message(
        room=room, author=author, body=body, client_id=client_id, parent=parent
    ).message


def _fresh(message):
    return messages_of(message.room).get(pk=message.pk)


@pytest.fixture
def question(room, bob):
    return _post(room, bob, "# Why does Celery run my task twice?\n\nIt retries after 30 s.")


def _card(question):
    return Card.objects.select_related("board", "column").get(source=question)


def _events(board, room):
    return (
        Board.objects.get(pk=board.pk).last_event,
        Room.objects.get(pk=room.pk).last_event,
    )


# --- Promote --------------------------------------------------------------------------------------
def test_it_promotes_a_thread_to_a_card_with_links_both_ways(board, question, bob):
    promoted = actions.promote_message(message=question, user=bob, board=board)
    card = _card(question)
    assert promoted.created and promoted.card == card
    assert card.title == "Why does Celery run my task twice?"
    assert card.problem == question.body
    assert card.column == board.columns.first()
    data = message_data(_fresh(question))
    assert data["card"] == {"id": card.pk, "board": board.pk, "url": card.get_absolute_url()}
    from boards.events import card_data
    from boards.queries import card_for

    source = card_data(card_for(bob, card.pk))["source"]
    assert source == {"message": question.pk, "room": question.room_id, "url": question.thread_url}


def test_a_second_promote_answers_the_existing_card(board, public_board, question, alice, bob):
    first = actions.promote_message(message=question, user=bob, board=board)
    again = actions.promote_message(message=question, user=alice, board=board)
    assert not again.created and again.card == first.card
    # another board gets no second card either
    elsewhere = actions.promote_message(message=question, user=alice, board=public_board)
    assert elsewhere.card == first.card and Card.objects.count() == 1


def test_a_card_has_one_thread_and_a_thread_one_card(board, question, bob):
    actions.promote_message(message=question, user=bob, board=board)
    with pytest.raises(IntegrityError), transaction.atomic():
        actions.create_card(board=board, user=bob, title="copy")
        Card.objects.filter(title="copy").update(source=question)


def test_promotion_is_one_transaction(board, question, bob, monkeypatch):
    """The message's change fails: no card is left behind either."""

    def broken(message, apply):
        raise RuntimeError("the room's side failed")

    monkeypatch.setattr("boards.actions.challenges._change", broken)
    with pytest.raises(RuntimeError):
        actions.promote_message(message=question, user=bob, board=board)
    assert Card.objects.count() == 0


def test_a_resolved_thread_lands_in_the_done_column_with_its_answer(
    board, room, question, alice, bob
):
    answer = _post(room, alice, "Set visibility_timeout above the task's time.", parent=question)
    chat_actions.accept_answer(message=answer, user=bob)
    chat_actions.resolve_thread(message=_fresh(question), user=bob)
    actions.promote_message(message=_fresh(question), user=bob, board=board)
    card = _card(question)
    assert card.column == board.columns.last()
    assert card.solution == answer.body


def test_only_a_threads_first_message_is_promoted(board, room, question, alice, bob):
    reply = _post(room, alice, "a reply", parent=question)
    with pytest.raises(ValidationError, match="first message"):
        actions.promote_message(message=reply, user=bob, board=board)


def test_a_deleted_question_is_not_promoted(board, question, bob):
    deleted = chat_actions.delete_message(message=question, user=bob)
    with pytest.raises(ValidationError, match="deleted"):
        actions.promote_message(message=deleted, user=bob, board=board)


def test_who_may_promote(board, question, other_board, alice, bob, vera, charlie):
    with pytest.raises(PermissionDenied, match="cannot add cards"):
        actions.promote_message(message=question, user=vera, board=board)  # a viewer
    with pytest.raises(PermissionDenied, match="cannot see this message"):
        actions.promote_message(message=question, user=charlie, board=other_board)
    assert Card.objects.count() == 0
    assert actions.promote_message(message=question, user=alice, board=board).created


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("How do I refresh a JWT?", "How do I refresh a JWT?"),
        ("## **CORS** fails\nfrom localhost", "CORS** fails"),
        ("```python\nprint(1)\n```\n> Why is this slow?", "print(1)"),
        ("   \n- list item question", "list item question"),
        ("```", "A question from the room"),
    ],
)
def test_the_title_is_the_first_line_of_words(body, title):
    assert question_title(body) == title


def test_a_long_first_line_is_cut_at_a_word_to_the_title_limit():
    title = question_title("word " * 100)
    assert len(title) <= TITLE_MAX and title.endswith("word…")


# --- Status, both ways ----------------------------------------------------------------------------
@pytest.fixture
def promoted(board, question, bob):
    return actions.promote_message(message=question, user=bob, board=board).card


def test_resolving_moves_the_card_to_done_and_reopening_moves_it_back(
    board, room, question, promoted, bob
):
    columns = list(board.columns.all())
    before = _events(board, room)
    chat_actions.resolve_thread(message=question, user=bob)
    assert _card(question).column == columns[-1]
    assert _events(board, room) == (before[0] + 1, before[1] + 1)  # one change each: no loop
    chat_actions.resolve_thread(message=_fresh(question), user=bob, resolved=False)
    assert _card(question).column == columns[-2]
    assert _fresh(question).resolved_at is None


def test_moving_the_card_into_done_resolves_and_out_reopens(board, room, question, promoted, bob):
    columns = list(board.columns.all())
    before = _events(board, room)
    actions.move_card(card=_card(question), user=bob, column=columns[-1])
    assert _fresh(question).resolved_at is not None
    assert _events(board, room) == (before[0] + 1, before[1] + 1)  # no loop
    actions.move_card(card=_card(question), user=bob, column=columns[0])
    assert _fresh(question).resolved_at is None


def test_moves_between_other_columns_leave_the_thread_alone(board, room, question, promoted, bob):
    columns = list(board.columns.all())
    before = _events(board, room)
    actions.move_card(card=_card(question), user=bob, column=columns[1])
    assert _events(board, room) == (before[0] + 1, before[1])
    assert _fresh(question).resolved_at is None


def test_a_resolve_sends_the_message_and_the_card_frames(
    board, question, promoted, bob, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("nexus_live.events._send", lambda group, event, *a: sent.append(group))
    with django_capture_on_commit_callbacks(execute=True):
        chat_actions.resolve_thread(message=question, user=bob)
    queue = f"queue-team-{question.room.team_id}"  # it leaves the mentors' help queue
    assert sorted(set(sent)) == [f"board-{board.pk}", queue, f"room-{question.room_id}"]


def test_an_archived_card_does_not_follow(board, question, promoted, bob):
    actions.archive_card(card=promoted, user=bob)
    chat_actions.resolve_thread(message=question, user=bob)
    assert _card(question).column == board.columns.first()


# --- Accept and verify ----------------------------------------------------------------------------
@pytest.fixture
def answers(room, question, alice, mentor):
    return (
        _post(room, alice, "Raise visibility_timeout.", parent=question),
        _post(room, mentor, "Use acks_late with care.", parent=question),
    )


def test_the_asker_accepts_one_answer_at_a_time(question, answers, bob):
    first, second = answers
    chat_actions.accept_answer(message=first, user=bob)
    assert _fresh(question).answer_id == first.pk
    chat_actions.accept_answer(message=_fresh(second), user=bob)
    assert _fresh(question).answer_id == second.pk
    assert _fresh(first).accepted_at is None and _fresh(second).accepted_at is not None
    assert message_data(_fresh(second))["accepted"] is True
    assert message_data(_fresh(first))["accepted"] is False
    assert message_data(_fresh(question))["answer"] == second.pk
    chat_actions.accept_answer(message=_fresh(second), user=bob, accepted=False)
    assert _fresh(question).answer_id is None and _fresh(second).accepted_at is None


def test_only_the_asker_accepts(question, answers, alice, mentor):
    for person in (alice, mentor):
        with pytest.raises(PermissionDenied, match="asked"):
            chat_actions.accept_answer(message=answers[0], user=person)


def test_the_question_itself_is_not_an_answer(question, bob):
    with pytest.raises(ValidationError, match="reply"):
        chat_actions.accept_answer(message=question, user=bob)


def test_two_accepted_answers_in_one_thread_are_refused_by_the_database(question, answers):
    from django.utils import timezone

    Message.objects.filter(pk=answers[0].pk).update(accepted_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=answers[1].pk).update(accepted_at=timezone.now())


def test_a_mentor_verifies_the_accepted_answer(question, answers, bob, mentor):
    first = answers[0]
    with pytest.raises(ValidationError, match="accepted answer"):
        chat_actions.verify_answer(message=first, user=mentor)
    chat_actions.accept_answer(message=first, user=bob)
    verified = chat_actions.verify_answer(message=_fresh(first), user=mentor)
    data = message_data(_fresh(verified))
    assert data["verified"]["by"] == {"id": mentor.pk, "name": "Maya"}


def test_only_a_mentor_not_the_author_verifies(question, answers, alice, bob, mentor):
    chat_actions.accept_answer(message=answers[1], user=bob)  # the mentor's own answer
    with pytest.raises(PermissionDenied, match="Another mentor"):
        chat_actions.verify_answer(message=_fresh(answers[1]), user=mentor)
    chat_actions.accept_answer(message=_fresh(answers[0]), user=bob)
    for person in (alice, bob):  # the team's owner, the asker
        with pytest.raises(PermissionDenied, match="Only a mentor"):
            chat_actions.verify_answer(message=_fresh(answers[0]), user=person)


def test_changing_the_accepted_answer_drops_the_verification(question, answers, bob, mentor):
    first, second = answers
    chat_actions.accept_answer(message=first, user=bob)
    chat_actions.verify_answer(message=_fresh(first), user=mentor)
    chat_actions.accept_answer(message=_fresh(second), user=bob)
    first = _fresh(first)
    assert first.verified_by is None and message_data(first)["verified"] is None


def test_the_accepted_answer_becomes_the_empty_solution(board, question, promoted, answers, bob):
    first, second = answers
    chat_actions.accept_answer(message=first, user=bob)
    assert _card(question).solution == first.body
    chat_actions.accept_answer(message=_fresh(second), user=bob)  # untouched: replaced
    assert _card(question).solution == second.body


def test_a_written_solution_gets_a_marked_draft_section(board, question, promoted, answers, bob):
    first, second = answers
    actions.update_card(
        card=_card(question), user=bob, base_version=1, changes={"solution": "Our notes."}
    )
    chat_actions.accept_answer(message=first, user=bob)
    assert _card(question).solution == f"Our notes.\n\n{draft_section(first)}"
    chat_actions.accept_answer(message=_fresh(second), user=bob)
    assert _card(question).solution == f"Our notes.\n\n{draft_section(second)}"
    assert "**Draft from the accepted answer** (by Maya)" in _card(question).solution


def test_the_card_shows_accepted_and_verified(board, question, promoted, answers, bob, mentor):
    from boards.events import card_data
    from boards.queries import card_for, render_card

    chat_actions.accept_answer(message=answers[0], user=bob)
    chat_actions.verify_answer(message=_fresh(answers[0]), user=mentor)
    card = card_for(bob, promoted.pk)
    data = card_data(card)
    assert data["accepted"]["message"] == answers[0].pk
    assert data["accepted"]["author"] == {"id": answers[0].author_id, "name": "Alice"}
    assert data["verified"]["by"]["name"] == "Maya"
    tile = render_card(card)
    assert "✓ Accepted" in tile and "Verified by Maya" in tile


def test_a_verification_renews_the_cards_tile_for_every_viewer(
    board, question, promoted, answers, bob, mentor, monkeypatch, django_capture_on_commit_callbacks
):
    chat_actions.accept_answer(message=answers[0], user=bob)
    sent = []
    monkeypatch.setattr("nexus_live.events._send", lambda group, event, *a: sent.append(event))
    with django_capture_on_commit_callbacks(execute=True):
        chat_actions.verify_answer(message=_fresh(answers[0]), user=mentor)
    frames = [json.loads(event["frame"]) for event in sent]
    card_frame = next(frame for frame in frames if frame["type"] == "card")
    assert card_frame["data"]["verified"]["by"]["name"] == "Maya"
    assert "Verified by Maya" in card_frame["html"]


def test_promoted_threads_cost_no_query_each(client, board, room, alice, bob, mentor, settings):
    """The room's timeline, a thread and the board read cards, answers and verifiers with
    their rows: ten promoted, answered, verified threads cost what one does."""
    settings.CHAT_RATE_BURST = 1000

    def make(count):
        for _ in range(count):
            question = _post(room, bob, "Why is it slow?")
            answer = _post(room, alice, "An index.", parent=question)
            chat_actions.accept_answer(message=answer, user=bob)
            chat_actions.verify_answer(message=_fresh(answer), user=mentor)
            actions.promote_message(message=_fresh(question), user=bob, board=board)

    def count_queries(url):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()  # tiles rendered, not read from the cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.force_login(bob)
    make(1)
    urls = [room.get_absolute_url(), board.get_absolute_url()]
    one = [count_queries(url) for url in urls]
    make(9)
    assert [count_queries(url) for url in urls] == one
