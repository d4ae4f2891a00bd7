"""The learning loop walked end to end (issue 14), through the real pages only: a backend
learner asks in the team's room, a frontend peer answers in the thread, the learner accepts
(★) and promotes (🗂), the mentor verifies (🎓), the learner resolves; the thread shows
Resolved and the card lands in the board's done column, live on every page. Then a new learner
typing a paraphrase is told "Already solved?", the owner exports the hub as a zip (the
challenge's file holds the problem, the verified solution and who helped), and a frontend peer's
"Report an API problem" card reaches the mentor's board live."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from boards import actions as board_actions
from chat.models import Room
from conftest import make_person
from hub import actions as hub_actions
from hub.tests.conftest import PETS
from tests.browser.conftest import off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Why does Celery run my task twice?\nIt retries after 30 s and the email goes out again."
ANSWER = "Raise the broker's visibility_timeout above the task's longest run time."
PARAPHRASE = "my celery task runs twice and sends the email again"


def _person(team, email, name, track, role=Role.MEMBER):
    person = make_person(email, name)
    person.track = track
    person.save()
    Membership.objects.create(team=team, user=person, role=role)
    return person


@pytest.fixture
def people(team):
    return {
        "mentor": _person(team, "maya@example.com", "Maya", "mentor"),
        "peer": _person(team, "finn@example.com", "Finn", "frontend"),
        "newcomer": _person(team, "nina@example.com", "Nina", "backend"),
    }


def _seed(team, owner):
    hub_actions.register_schema(team=team, user=owner, document=json.dumps(PETS))
    return board_actions.create_board(user=owner, name="Challenges", team=team)


@pytest.fixture
def board(team, alice):
    return off_the_loop(_seed, team=team, owner=alice)


@pytest.fixture
def room(team, alice):
    return Room.objects.create(name="help", slug="help", team=team, created_by=alice)


def _live(page, url):
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("Live")


def _open_thread(page):
    page.locator("#messages li.message .thread-link").first.click()
    expect(page.locator("#thread-panel li.message.reply")).to_have_count(1)


def test_the_loop_walked_end_to_end(
    new_person_page, console_errors, alice, bob, team, people, board, room, worker
):
    mentor_user, peer_user = people["mentor"], people["peer"]
    learner, peer, mentor = (new_person_page(p) for p in (bob, peer_user, mentor_user))
    board_tab = mentor.context.new_page()  # the mentor also watches the board, never reloaded
    console_errors(board_tab)
    _live(board_tab, board.get_absolute_url())
    done = board_tab.locator(f"#column-{board.columns.last().pk}-cards")

    # The learner asks; the peer answers in the thread.
    _live(learner, room.get_absolute_url())
    _live(peer, room.get_absolute_url())
    _live(mentor, room.get_absolute_url())
    box = learner.get_by_label("Message", exact=True)
    box.fill(QUESTION)
    box.press("Enter")
    question = peer.locator("#messages li.message").first
    expect(question).to_contain_text("Why does Celery run my task twice?")
    question.hover()
    question.get_by_role("link", name="Reply in thread").click()
    reply = peer.get_by_label("Reply", exact=True)
    reply.fill(ANSWER)
    reply.press("Enter")

    # ★ The learner accepts it, then 🗂 promotes the thread to the board.
    _open_thread(learner)
    answer = learner.locator("#thread-panel li.message.reply")
    answer.hover()
    answer.get_by_role("button", name="Accept as the answer").click()
    expect(answer.locator(".badge.accepted")).to_have_text("✓ Accepted")
    panel = learner.locator("#thread-panel")
    panel.get_by_label("Promote to a card on").select_option(label="Challenges")
    panel.get_by_role("button", name="Promote to card").click()
    expect(panel.locator(".promoted")).to_contain_text("challenge card")
    tile = board_tab.locator("#board .card").filter(has_text="Why does Celery run my task twice?")
    expect(tile.locator(".badge.accepted")).to_have_text("✓ Accepted")

    # 🎓 The mentor verifies.
    _open_thread(mentor)
    mentor_answer = mentor.locator("#thread-panel li.message.reply")
    mentor_answer.hover()
    mentor_answer.get_by_role("button", name="Verify this answer").click()
    expect(mentor_answer.locator(".badge.verified")).to_have_text("Verified by Maya")
    expect(tile.locator(".badge.verified")).to_have_text("Verified by Maya")

    # The learner resolves: the thread says so everywhere, the card moves to done, live.
    asked = learner.locator("#messages li.message").first
    asked.hover()
    asked.get_by_role("button", name="Mark resolved").click()
    for page in (learner, peer, mentor):
        first = page.locator("#messages li.message").first
        expect(first.locator(".badge.resolved")).to_be_visible()
    expect(done.locator(".card", has_text="Why does Celery run my task twice?")).to_have_count(1)
    card = board.cards.get()
    assert card.column_id == board.columns.last().pk
    assert card.source.resolved_at is not None

    # A new learner's paraphrase finds it before she sends it.
    newcomer = new_person_page(people["newcomer"])
    _live(newcomer, room.get_absolute_url())
    newcomer.get_by_label("Message", exact=True).press_sequentially(PARAPHRASE, delay=10)
    hint = newcomer.locator("#similar")
    expect(hint).to_contain_text("Already solved?")
    expect(hint.get_by_role("link", name="Why does Celery run my task twice?")).to_have_attribute(
        "href", card.get_absolute_url()
    )

    # The owner exports the hub: the Exports page fills the bar to Ready; the zip holds it.
    owner = new_person_page(alice)
    owner.goto(f"/teams/{team.slug}/hub/")
    owner.get_by_role("button", name="Download as zip").click()
    owner.wait_for_url("**/exports/**")
    row = owner.locator(".export").first
    expect(row).to_have_attribute("data-status", "done", timeout=30_000)
    expect(row).to_contain_text("Ready")
    with owner.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        names = archive.namelist()
        challenge = [n for n in names if n.startswith(f"{team.slug}/challenges/{card.pk:05}-")]
        assert challenge, names
        text = archive.read(challenge[0]).decode()
    assert "Why does Celery run my task twice?" in text
    assert "the email goes out again" in text  # the problem
    assert ANSWER in text  # the accepted, verified solution
    assert "Finn" in text and "Maya" in text  # who helped

    # A frontend peer reports an API problem; the mentor's board shows the card, live.
    peer.goto(board.get_absolute_url())
    peer.get_by_role("link", name="Report an API problem").click()
    peer.get_by_label("Endpoint", exact=True).select_option("GET /pets/{id}")
    peer.get_by_label("Path as sent").fill("/pets/7")
    peer.get_by_label("Response status").fill("200")
    peer.get_by_label("Response body").fill('{"id": "7"}')
    peer.get_by_role("button", name="Report").click()
    expect(peer.locator(".api-report")).to_contain_text("Expected (200)")
    reported = board_tab.locator("#board .card", has_text="GET /pets/{id} answered 200")
    expect(reported).to_be_visible()

    for page in (learner, peer, mentor, board_tab, newcomer, owner):
        assert console_errors(page) == []
