"""The mentor help queue (decision 023): which questions it holds and in what order, who may
see it and claim, and the page. Sockets: test_queue_socket.py; the API: api/tests."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, Team
from chat import actions, queries
from chat.models import Message, QuestionClaim
from chat.templatetags.times import waiting_text
from conftest import make_person

pytestmark = pytest.mark.django_db


def _mentor(email: str, name: str, team: Team | None = None):
    person = make_person(email, name)
    person.track = "mentor"
    person.save()
    if team is not None:
        Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def maya(team):
    """A mentor of the team: she sees its private room."""
    return _mentor("maya@example.com", "Maya", team)


@pytest.fixture
def otto(db):
    """A mentor of no team: public rooms only."""
    return _mentor("otto@example.com", "Otto")


def _ask(room, who, body, key, *, hours_ago=0):
    message = actions.post_message(room=room, author=who, body=body, client_id=key).message
    if hours_ago:
        at = timezone.now() - datetime.timedelta(hours=hours_ago)
        Message.objects.filter(pk=message.pk).update(created_at=at)
    return Message.objects.select_related("room", "author").get(pk=message.pk)


def _reply(question, who, body, key):
    return actions.post_message(
        room=question.room, author=who, body=body, client_id=key, parent=question
    ).message


def _ids(questions):
    return [q.pk for q in questions]


def test_it_lists_open_questions_of_visible_rooms_oldest_first(
    alice, bob, maya, otto, general, private_room
):
    newer = _ask(general, bob, "How do I page a cursor?", "q1", hours_ago=1)
    older = _ask(private_room, bob, "Why does Celery retry?", "q2", hours_ago=3)
    _ask(general, bob, "hello everyone", "chat")  # not asking, nobody replied: not a question
    resolved = _ask(general, bob, "Is Redis up?", "q3")
    actions.resolve_thread(message=resolved, user=bob)
    deleted = _ask(general, bob, "Anyone?", "q4")
    actions.delete_message(message=deleted, user=bob)
    assert _ids(queries.help_queue(maya)) == [older.pk, newer.pk]
    assert _ids(queries.help_queue(otto)) == [newer.pk]  # not the team's private room


def test_a_discussed_thread_counts_even_without_a_question_mark(bob, alice, maya, general):
    thread = _ask(general, bob, "My deploy broke", "t1")
    assert queries.help_queue(maya) == []
    _reply(thread, alice, "Which error", "r1")
    assert _ids(queries.help_queue(maya)) == [thread.pk]


def test_replies_archived_rooms_and_direct_conversations_are_left_out(alice, bob, maya, general):
    question = _ask(general, bob, "How?", "q1")
    _reply(question, alice, "Why do you ask?", "r1")  # a reply is never a question of its own
    archived = actions.create_room(user=alice, name="old")
    _ask(archived, bob, "Still there?", "q2")
    actions.archive_room(room=archived, user=alice)
    direct = actions.open_direct(maya, [bob])
    _ask(direct, bob, "Can you help me?", "q3")
    assert _ids(queries.help_queue(maya)) == [question.pk]


def test_replied_means_someone_other_than_the_asker(alice, bob, maya, general):
    question = _ask(general, bob, "How do I test sockets?", "q1")
    _reply(question, bob, "Also: with pytest?", "own")
    (shown,) = queries.help_queue(maya)
    assert shown.first_reply_at is None and shown.reply_count == 1
    reply = _reply(question, alice, "WebsocketCommunicator.", "r1")
    (shown,) = queries.help_queue(maya)
    assert shown.first_reply_at == Message.objects.get(pk=reply.pk).created_at


def test_non_mentors_have_no_queue(alice, bob, general):
    _ask(general, bob, "How?", "q1")
    assert queries.help_queue(alice) == [] and queries.help_queue(bob) == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59 * 60, "59 min"), (3 * 3600, "3 h"), (47 * 3600, "47 h"), (3 * 86400, "3 d")],
)
def test_waiting_reads_as_minutes_hours_then_days(seconds, text):
    assert waiting_text(seconds) == text


# --- Claims --------------------------------------------------------------------------------------
def test_a_mentor_claims_and_unclaims_and_others_may_too(alice, bob, maya, otto, general):
    question = _ask(general, bob, "How do I page?", "q1")
    actions.claim_question(message=question, user=maya)
    actions.claim_question(message=question, user=maya)  # again: nothing new
    actions.claim_question(message=question, user=otto)
    (shown,) = queries.help_queue(maya)
    assert [c.user.name for c in shown.claim_list] == ["Maya", "Otto"]
    _reply(question, alice, "cursor pagination", "r1")  # a claim stops nobody from helping
    actions.claim_question(message=question, user=maya, claimed=False)
    (shown,) = queries.help_queue(maya)
    assert [c.user.name for c in shown.claim_list] == ["Otto"]


def test_a_claim_is_the_questions_next_room_event(bob, maya, general):
    question = _ask(general, bob, "How?", "q1")
    before = Message.objects.get(pk=question.pk).event
    actions.claim_question(message=question, user=maya)
    assert Message.objects.get(pk=question.pk).event > before


def test_only_mentors_of_the_room_claim(alice, bob, otto, private_room):
    from django.core.exceptions import PermissionDenied

    question = _ask(private_room, bob, "Why?", "q1")
    for who in (alice, bob, otto):  # the owner, the asker (no mentors), a mentor who cannot see
        with pytest.raises(PermissionDenied):
            actions.claim_question(message=question, user=who)
    assert not QuestionClaim.objects.exists()


def test_a_resolved_question_or_a_reply_cannot_be_claimed(alice, bob, maya, general):
    from django.core.exceptions import ValidationError

    question = _ask(general, bob, "Why?", "q1")
    reply = _reply(question, alice, "Because.", "r1")
    with pytest.raises(ValidationError):
        actions.claim_question(message=Message.objects.get(pk=reply.pk), user=maya)
    actions.resolve_thread(message=question, user=bob)
    with pytest.raises(ValidationError):
        actions.claim_question(message=Message.objects.get(pk=question.pk), user=maya)


# --- The page ------------------------------------------------------------------------------------
def test_the_page_shows_the_queue_to_a_mentor(client, alice, bob, maya, general):
    question = _ask(general, bob, "How do I page a cursor?\n\nDetails…", "q1", hours_ago=3)
    _reply(question, alice, "Keyset.", "r1")
    actions.claim_question(message=question, user=maya)
    client.force_login(maya)
    html = client.get(reverse("queue:list")).content.decode()
    assert f'id="queue-item-{question.pk}"' in html
    assert "How do I page a cursor?" in html and "Details" not in html
    assert "waiting 3 h" in html and "replied" in html and "Maya is on it" in html
    assert 'href="/queue/"' in html  # the shell links it for mentors
    assert f'data-claimers="{maya.pk} "' in html


@pytest.mark.parametrize("who", ["alice", "bob", "vera", "charlie"])
def test_the_page_is_refused_to_non_mentors(client, people, who):
    client.force_login(people[who])
    assert client.get(reverse("queue:list")).status_code == 403
    assert 'href="/queue/"' not in client.get(reverse("chat:rooms")).content.decode()


def test_the_page_needs_a_sign_in(client, db):
    assert client.get(reverse("queue:list")).status_code == 302


@pytest.fixture
def people(alice, bob, vera, charlie):
    return {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}


def test_claiming_from_the_page(client, bob, maya, general):
    question = _ask(general, bob, "How?", "q1")
    client.force_login(maya)
    url = reverse("queue:claim", args=[question.pk])
    assert client.post(url, {"claimed": "true"}, headers={"HX-Request": "true"}).status_code == 204
    assert QuestionClaim.objects.filter(message=question, user=maya).exists()
    assert client.post(url, {"claimed": "false"}).status_code == 302
    assert not QuestionClaim.objects.exists()


def test_claiming_from_the_page_refuses_who_may_not(client, alice, bob, otto, maya, private_room):
    question = _ask(private_room, bob, "Why?", "q1")
    url = reverse("queue:claim", args=[question.pk])
    client.force_login(otto)  # a mentor who cannot see the team's room
    assert client.post(url).status_code == 404
    client.force_login(alice)  # the owner, no mentor
    assert client.post(url).status_code == 403
    client.force_login(maya)
    assert client.get(url).status_code == 405
    assert client.post(reverse("queue:claim", args=[999999])).status_code == 404
    actions.resolve_thread(message=question, user=bob)
    refused = client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and refused["X-Inline-Error"] == "true"


def test_a_removed_member_no_longer_sees_the_teams_questions(client, bob, maya, private_room):
    question = _ask(private_room, bob, "Why?", "q1")
    Membership.objects.filter(user=maya).delete()
    assert queries.help_queue(maya) == []
    client.force_login(maya)
    assert client.post(reverse("queue:claim", args=[question.pk])).status_code == 404
