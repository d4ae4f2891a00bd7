"""The learning loop in real browsers (decision 019): a learner asks, a peer answers, the
learner accepts and promotes the thread to a board, a mentor verifies; someone watching the
board sees the card, its Accepted and Verified badges arrive live, and its link to the thread."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from boards import actions
from chat.models import Message, Room
from conftest import make_person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", created_by=alice)


@pytest.fixture
def maya(team):
    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


def _live(page, url):
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("Live")


def _open_thread(page):
    page.locator("#messages li.message .thread-link").first.click()
    expect(page.locator("#thread-panel li.message.reply")).to_have_count(1)


def test_ask_answer_accept_promote_verify(
    new_person_page, console_errors, alice, bob, vera, maya, team, general
):
    board = actions.create_board(user=alice, name="Challenges", team=team)
    learner, peer, mentor, watcher = (new_person_page(p) for p in (bob, alice, maya, vera))
    _live(watcher, board.get_absolute_url())

    _live(learner, general.get_absolute_url())
    box = learner.get_by_label("Message", exact=True)
    box.fill("Why does Celery run my task twice?\nIt retries after 30 s.")
    box.press("Enter")
    question = learner.locator("#messages li.message").first
    expect(question).to_contain_text("Why does Celery run my task twice?")

    _live(peer, general.get_absolute_url())
    peer_question = peer.locator("#messages li.message").first
    peer_question.hover()
    peer_question.get_by_role("link", name="Reply in thread").click()
    reply = peer.get_by_label("Reply", exact=True)
    reply.fill("Raise the broker's visibility_timeout above the task's run time.")
    reply.press("Enter")

    _open_thread(learner)
    answer = learner.locator("#thread-panel li.message.reply")
    answer.hover()
    answer.get_by_role("button", name="Accept as the answer").click()
    expect(answer.locator(".badge.accepted")).to_have_text("✓ Accepted")
    expect(peer.locator("#thread-panel li.message.reply .badge.accepted")).to_be_visible()

    panel = learner.locator("#thread-panel")
    panel.get_by_label("Promote to a card on").select_option(label="Challenges")
    panel.get_by_role("button", name="Promote to card").click()
    expect(panel.locator(".promoted")).to_contain_text("challenge card")
    expect(peer.locator("#messages li.message .card-chip").first).to_have_text("🗂 Challenge card")

    root = Message.objects.get(room=general, parent=None)
    tile = watcher.locator("#board .card").filter(has_text="Why does Celery run my task twice?")
    expect(tile).to_contain_text("From a thread")
    expect(tile.locator(".badge.accepted")).to_have_text("✓ Accepted")

    _live(mentor, general.get_absolute_url())
    _open_thread(mentor)
    mentor_answer = mentor.locator("#thread-panel li.message.reply")
    mentor_answer.hover()
    mentor_answer.get_by_role("button", name="Verify this answer").click()
    expect(mentor_answer.locator(".badge.verified")).to_have_text("Verified by Maya")
    expect(tile.locator(".badge.verified")).to_have_text("Verified by Maya")

    tile.locator(".card-title").click()
    source = watcher.locator("#card-editor .card-source")
    expect(source.get_by_role("link", name="Discussed in #general")).to_have_attribute(
        "href", root.thread_url
    )
    expect(source.locator(".badge.verified")).to_have_text("Verified by Maya")
    assert root.card.solution.startswith("Raise the broker's visibility_timeout")
    for page in (learner, peer, mentor, watcher):
        assert console_errors(page) == []
