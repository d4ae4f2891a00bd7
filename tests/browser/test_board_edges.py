"""Board rough edges in a real browser: counts after a live move, an untouched editor kept
current, Close on the card's own page, the editor beside (not over) the third column."""

import pytest
from playwright.sync_api import expect

from boards import actions
from boards.models import Card
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def board(team, alice):
    board = actions.create_board(user=alice, name="Real-world challenges", team=team)
    challenge = board.columns.first()
    for title in ("Slow API performance", "CORS errors"):
        actions.create_card(board=board, user=alice, column=challenge, title=title)
    return board


def _open(page, board):
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")


def _count(page, column):
    return page.locator(f"#column-{column.pk} .count")


def test_column_counts_follow_a_live_move_for_mover_and_watcher(new_person_page, alice, bob, board):
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _open(ben, board)
    challenge, investigating, _ = board.columns.all()
    card = Card.objects.get(title="Slow API performance")
    tile = ana.locator(f"#card-{card.pk}")
    tile.hover()
    tile.get_by_role("button", name="Move Slow API performance to the next column").click()
    for page in (ana, ben):
        expect(page.locator(f"#column-{investigating.pk}-cards #card-{card.pk}")).to_be_visible()
        expect(_count(page, challenge)).to_have_text("1")
        expect(_count(page, investigating)).to_have_text("1")
    # and back, the other way round through the columns
    ben.locator(f"#card-{card.pk}").hover()
    ben.locator(f"#card-{card.pk}").get_by_role(
        "button", name="Move Slow API performance to the previous column"
    ).click()
    for page in (ana, ben):
        expect(_count(page, challenge)).to_have_text("2")
        expect(_count(page, investigating)).to_have_text("0")


def test_an_untouched_editor_shows_the_change(new_person_page, alice, bob, board):
    card = Card.objects.get(title="CORS errors")
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        _open(page, board)
        page.locator(f"#card-{card.pk} .card-title").click()
        expect(page.get_by_label("Title", exact=True)).to_have_value("CORS errors")
    ana.get_by_label("Problem (Markdown)").fill("Preflight fails on /api/")
    ana.get_by_role("button", name="Save card").click()
    expect(ben.get_by_label("Problem (Markdown)")).to_have_value("Preflight fails on /api/")
    expect(ben.locator(".editor-notice")).to_contain_text("Alice changed this card")
    expect(ben.locator(".editor-notice")).not_to_contain_text("draft is kept")


def test_close_on_the_card_page_goes_back_to_the_board(new_person_page, bob, board):
    card = Card.objects.get(title="CORS errors")
    ben = new_person_page(bob)
    ben.goto(card.get_absolute_url())
    ben.get_by_role("button", name="Close").click()
    expect(ben).to_have_url(f"{ben.url.split('/boards/')[0]}{board.get_absolute_url()}")


def test_the_editor_sits_beside_the_third_column(new_person_page, bob, board):
    card = Card.objects.get(title="CORS errors")
    ben = new_person_page(bob)
    _open(ben, board)
    ben.locator(f"#card-{card.pk} .card-title").click()
    editor = ben.locator("#card-editor")
    expect(editor).to_be_visible()
    third = ben.locator(".column").nth(2).bounding_box()
    panel = editor.bounding_box()
    assert third["x"] + third["width"] <= panel["x"] + 1
    ben.get_by_label("Problem (Markdown)").fill("")
    ben.get_by_role("button", name="Save card").click()  # nothing changed
    notice = ben.locator(".editor-notice")
    expect(notice).to_have_text("Nothing changed.")
    box = notice.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 800
    ben.keyboard.press("Escape")


def test_on_a_phone_the_editor_fills_the_screen(new_person_page, bob, board):
    card = Card.objects.get(title="CORS errors")
    ben = new_person_page(bob, viewport=PHONE, is_mobile=True)
    _open(ben, board)
    ben.locator(f"#card-{card.pk} .card-title").click()
    expect(ben.get_by_role("button", name="Close")).to_be_visible()
    box = ben.locator("#card-editor").bounding_box()
    assert (box["x"], box["y"]) == (0, 0) and box["width"] == PHONE["width"]
    expect(ben.get_by_role("button", name="Close")).to_be_in_viewport()
    ben.get_by_role("button", name="Close").click()
    expect(ben.locator("#card-editor")).to_be_hidden()
