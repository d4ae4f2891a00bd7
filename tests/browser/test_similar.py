""" "Already solved?" in a real browser: a question typed in a room, or a new card's title,
shows the solved challenges like it, and sending the message clears them."""

import pytest
from playwright.sync_api import expect

from boards import actions
from chat.models import Room
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


def _solve(board, who, title, problem):
    card = actions.create_card(board=board, user=who, title=title, problem=problem)
    return actions.move_card(card=card, user=who, column=board.columns.last())


@pytest.fixture
def solved(team, alice):
    board = actions.create_board(user=alice, name="Challenges", team=team)
    return off_the_loop(
        _solve, board=board, who=alice, title="Celery tasks retry forever",
        problem="A failing task is retried again and again.",
    )  # fmt: skip


def test_a_question_in_a_room_shows_the_solved_challenge(new_person_page, bob, team, solved):
    Room.objects.create(name="help", slug="help", team=team, created_by=bob)
    page = new_person_page(bob)
    page.goto("/rooms/help/")
    expect(page.locator("#connection")).to_have_text("Live")
    box = page.get_by_label("Message", exact=True)
    box.press_sequentially("why does my celery task keep retrying", delay=10)
    hint = page.locator("#similar")
    expect(hint).to_contain_text("Already solved?")
    link = hint.get_by_role("link", name="Celery tasks retry forever")
    expect(link).to_have_attribute("href", solved.get_absolute_url())
    page.screenshot(path=SCREENSHOTS_DIR / "already-solved.png")
    box.press("Enter")
    expect(page.locator("#messages li.message", has_text="keep retrying")).to_be_visible()
    expect(hint).to_be_empty()


def test_a_new_cards_title_shows_it_on_a_phone(new_person_page, bob, solved):
    page = new_person_page(bob, viewport=PHONE)
    page.goto(solved.board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")
    first = solved.board.columns.first()
    page.locator(f"#add-{first.pk}").press_sequentially("celery retries forever again", delay=10)
    expect(page.locator(f"#similar-{first.pk}")).to_contain_text("Celery tasks retry forever")
