"""Due dates, labels, comments and keyboard shortcuts on a board, in a real browser, with two
people where something is live."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from boards import actions
from boards.models import Card, Label
from tests.browser.conftest import SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def board(team, alice):
    board = actions.create_board(user=alice, name="Real-world challenges", team=team)
    challenge = board.columns.first()
    actions.create_card(
        board=board, user=alice, column=challenge, title="Slow API performance",
        checklist="[x] measure p99\n[ ] cache lists\n[ ] paginate",
    )  # fmt: skip
    actions.create_card(board=board, user=alice, column=challenge, title="CORS errors")
    return board


def _open(page, board):
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")


def _edit(page, card):
    page.locator(f"#card-{card.pk} .card-title").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value(card.title)


def test_a_due_date_in_the_past_shows_overdue_for_everyone(new_person_page, alice, bob, board):
    card = Card.objects.get(title="CORS errors")
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _open(ben, board)
    _edit(ana, card)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ana.get_by_label("Due date").fill(yesterday.isoformat())
    ana.get_by_role("button", name="Save card").click()
    expect(ana.locator(".editor-notice")).to_have_text("Saved.")
    due = ben.locator(f"#card-{card.pk} .due")
    expect(due).to_contain_text("Overdue")
    expect(due).to_have_class("due due-overdue")
    assert ben.locator(f"#card-{card.pk} .checklist-count").count() == 0
    progress = ben.locator(
        f"#card-{Card.objects.get(title='Slow API performance').pk} .checklist-count"
    )
    expect(progress).to_contain_text("1/3")


def test_a_label_is_added_and_put_on_a_card_live(new_person_page, alice, bob, board):
    card = Card.objects.get(title="Slow API performance")
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _open(ben, board)
    ana.locator("#board-labels summary").click()
    ana.get_by_label("New label").fill("Blocked")
    ana.get_by_label("Colour").select_option("red")
    ana.get_by_role("button", name="Add label").click()
    expect(ben.locator("#board-labels summary")).to_have_text("Labels (1)")
    _edit(ben, card)
    ben.locator("fieldset[data-field=labels]").get_by_text("Blocked").click()
    ben.get_by_role("button", name="Save card").click()
    label = ana.locator(f"#card-{card.pk} .label")
    expect(label).to_have_text("Blocked")
    expect(label).to_have_class("label label-red")
    assert list(Card.objects.get(pk=card.pk).labels.all()) == [Label.objects.get(name="Blocked")]
    ana.screenshot(path=SCREENSHOTS_DIR / "board-labels.png", full_page=True)


def test_a_comment_by_one_appears_live_for_the_other(
    new_person_page, console_errors, alice, bob, board
):
    card = Card.objects.get(title="CORS errors")
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        _open(page, board)
        _edit(page, card)
    ana.get_by_label("Add a comment").fill("Preflight fails on **PATCH** <b>only</b>, @bob?")
    ana.get_by_role("button", name="Comment", exact=True).click()
    comment = ben.locator(f"#comments-{card.pk} .comment")
    expect(comment).to_have_count(1)
    expect(comment.locator("strong", has_text="PATCH")).to_be_visible()
    expect(comment).to_contain_text("<b>only</b>")  # raw HTML shown as text, not markup
    expect(ana.get_by_label("Add a comment")).to_have_value("")
    expect(ana.locator(f"#comments-{card.pk} .comment")).to_have_count(1)
    expect(comment).to_have_class("comment mentions-me")  # Bob was mentioned, Alice was not
    expect(ana.locator(f"#comments-{card.pk} .comment")).to_have_class("comment")
    ben.screenshot(path=SCREENSHOTS_DIR / "card-comments.png")
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_the_shortcut_list_opens_with_a_question_mark_and_closes_with_escape(
    new_person_page, bob, board
):
    ben = new_person_page(bob)
    _open(ben, board)
    ben.keyboard.press("?")
    dialog = ben.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("New card")
    expect(dialog).to_contain_text("Filter cards")
    ben.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    ben.keyboard.press("/")
    expect(ben.locator("#f-text")).to_be_focused()
    ben.keyboard.type("?n")  # typing in a field: no shortcut
    expect(dialog).to_be_hidden()
    expect(ben.locator("#f-text")).to_have_value("?n")
    ben.locator("#f-text").blur()
    ben.keyboard.press("j")
    ben.keyboard.press("e")
    expect(ben.get_by_label("Title", exact=True)).to_have_value("Slow API performance")
    ben.keyboard.press("Escape")  # nothing typed: closes from the field
    expect(ben.locator("#card-editor")).to_be_hidden()
    ben.keyboard.press("n")
    expect(ben.locator(".add-card input[name=title]").first).to_be_focused()


def test_a_comment_mention_reaches_the_badge_and_the_mentions_page_live(
    new_person_page, console_errors, alice, bob, board
):
    card = Card.objects.get(title="CORS errors")
    ana, ben = new_person_page(alice), new_person_page(bob)
    _open(ana, board)
    _edit(ana, card)
    ben.goto("/rooms/")  # anywhere but the board: the badge is on every page
    badge = ben.locator("#mention-count")
    expect(badge).to_be_hidden()
    ana.get_by_label("Add a comment").fill("@bob the preflight needs PATCH")
    ana.get_by_role("button", name="Comment", exact=True).click()
    expect(badge).to_be_visible()
    expect(badge.locator(".count")).to_have_text("1")

    ben.get_by_role("navigation", name="Main").get_by_role("link", name="Mentions").click()
    mention = ben.locator("ol.mentions li.mention")
    expect(mention).to_have_count(1)
    expect(mention).to_contain_text("the preflight needs PATCH")
    expect(mention.get_by_role("link", name="CORS errors")).to_be_visible()
    expect(badge).to_be_hidden()  # seen once it is on screen

    # The author edits the comment: the mention goes with the name, live for the board.
    _open(ben, board)
    _edit(ben, card)
    comment = ana.locator(f"#comments-{card.pk} .comment")
    comment.get_by_role("button", name="Edit").click()
    comment.get_by_label("Edit your comment").fill("the preflight needs PATCH, fixed")
    comment.get_by_role("button", name="Save").click()
    seen = ben.locator(f"#comments-{card.pk} .comment")
    expect(seen).to_contain_text("fixed")
    expect(seen).to_contain_text("(edited)")
    expect(seen.get_by_role("button", name="Edit")).to_be_hidden()  # not Ben's comment
    ben.goto("/rooms/mentions/")
    expect(ben.locator("ol.mentions li.mention")).to_have_count(0)
    assert console_errors(ana) == [] and console_errors(ben) == []
