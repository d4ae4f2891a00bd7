"""Two people on one board, in two browsers: moves show live, edits merge, drafts survive."""

import pytest
from playwright.sync_api import expect

from boards import actions
from boards.models import Card
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def board(team, alice):
    board = actions.create_board(user=alice, name="Real-world challenges", team=team)
    challenge = board.columns.first()
    actions.create_card(
        board=board, user=alice, column=challenge, title="Slow API performance",
        solution="Cache hot lists in Redis\nPaginate by cursor\nMeasure p99\n", tags=["Redis"],
    )  # fmt: skip
    actions.create_card(board=board, user=alice, column=challenge, title="CORS errors")
    return board


def _open(page, board):
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")


def test_one_moves_a_card_and_the_other_sees_it(new_person_page, console_errors, alice, bob, board):
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _open(ben, board)
    challenge, investigating, _ = board.columns.all()
    tile = ana.locator(f"#card-{Card.objects.get(title='Slow API performance').pk}")
    tile.hover()
    tile.get_by_role("button", name="Move Slow API performance to the next column").click()
    moved = ben.locator(f"#column-{investigating.pk}-cards").get_by_text("Slow API performance")
    expect(moved).to_be_visible()
    expect(ben.locator(f"#column-{challenge.pk}-cards .card")).to_have_count(1)
    ana.screenshot(path=SCREENSHOTS_DIR / "board.png", full_page=True)
    assert console_errors(ana) == [] and console_errors(ben) == []

    night = new_person_page(bob, viewport=PHONE, is_mobile=True, color_scheme="dark")
    _open(night, board)
    expect(night.locator(f"#column-{investigating.pk}-cards .card")).to_have_count(1)
    night.screenshot(path=SCREENSHOTS_DIR / "board-phone-dark.png", full_page=True)


def test_edits_to_different_lines_both_survive(new_person_page, alice, bob, board):
    card = Card.objects.get(title="Slow API performance")
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        _open(page, board)
        page.locator(f"#card-{card.pk} .card-title").click()
        expect(page.get_by_label("Solution (Markdown)")).to_have_value(card.solution)

    ben_draft = "Cache hot lists in Redis\nPaginate by cursor\nMeasure p99 with a benchmark\n"
    ben.get_by_label("Solution (Markdown)").fill(ben_draft)  # typed, not saved yet
    ana.get_by_label("Solution (Markdown)").fill(
        "Cache hot lists in Redis for 60 s\nPaginate by cursor\nMeasure p99\n"
    )
    ana.get_by_role("button", name="Save card").click()
    expect(ana.locator(".editor-notice")).to_have_text("Saved.")

    # Ben's editor holds a draft: it is not touched, he is told.
    expect(ben.locator(".editor-notice")).to_contain_text("Alice changed this card")
    expect(ben.get_by_label("Solution (Markdown)")).to_have_value(ben_draft)
    ben.get_by_role("button", name="Save card").click()
    expect(ben.locator(".editor-notice")).to_contain_text("merged")
    merged = "Cache hot lists in Redis for 60 s\nPaginate by cursor\nMeasure p99 with a benchmark\n"
    expect(ben.get_by_label("Solution (Markdown)")).to_have_value(merged)
    card.refresh_from_db()
    assert (card.solution, card.version) == (merged, 3)


def test_an_open_editor_keeps_its_draft(new_person_page, alice, bob, board):
    card = Card.objects.get(title="CORS errors")
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _open(ben, board)
    ben.locator(f"#card-{card.pk} .card-title").click()
    ben.get_by_label("Problem (Markdown)").fill("Preflight fails on PATCH")  # a draft, unsaved
    expect(ana.locator(f"#card-{card.pk} .editing")).to_have_text("Bob is editing Problem")

    ana.locator(f"#card-{card.pk} .card-title").click()
    ana.get_by_label("Title").fill("CORS errors in the browser")
    ana.get_by_role("button", name="Save card").click()

    expect(ben.locator(f"#card-{card.pk} .card-title")).to_have_text("CORS errors in the browser")
    expect(ben.get_by_label("Problem (Markdown)")).to_have_value("Preflight fails on PATCH")
    expect(ben.locator(".editor-notice")).to_contain_text("Your draft is kept")
    ben.get_by_role("button", name="Save card").click()
    expect(ben.locator(".editor-notice")).to_contain_text("merged")
    card.refresh_from_db()
    assert (card.title, card.problem) == ("CORS errors in the browser", "Preflight fails on PATCH")
