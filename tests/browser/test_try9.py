"""What a new user's try (issue 9, try9) found in the room: each test failed before its fix."""

import re

import pytest
from playwright.sync_api import expect

from boards import actions as boards
from chat import actions as chat
from chat.models import Room
from conftest import make_person
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_someone_elses_message_offers_no_edit_or_delete(new_person_page, alice, bob):
    """The toolbar's icon buttons were all shown: `.button.icon` beat `.own-only`."""
    room = Room.objects.create(name="general", slug="general", created_by=alice)
    chat.post_message(room=room, author=alice, body="Alice's words", client_id="a1")
    chat.post_message(room=room, author=bob, body="Bob's words", client_id="b1")
    page = new_person_page(bob)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#room")).to_have_attribute("data-moderator", "false")
    hers = page.locator("li.message", has_text="Alice's words")
    hers.hover()
    expect(hers.get_by_role("link", name="Reply in thread")).to_be_visible()
    expect(hers.get_by_role("button", name="Edit")).to_be_hidden()
    expect(hers.get_by_role("button", name="Delete")).to_be_hidden()
    expect(hers.get_by_role("button", name="Mark resolved")).to_be_hidden()
    mine = page.locator("li.message", has_text="Bob's words")
    mine.hover()
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    expect(mine.get_by_role("button", name="Delete")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, PHONE])
def test_a_group_conversations_names_have_their_comma_right_after_a_name(
    new_person_page, alice, bob, charlie, viewport
):
    """The heading read "Bob , Charlie": the flex gap sat before the comma, not after it."""
    room = chat.open_direct(alice, [bob, charlie])
    page = new_person_page(alice, viewport=viewport)
    page.goto(room.get_absolute_url())
    head = page.locator("h1.direct-people")
    expect(head).to_contain_text("Charlie")
    people = head.locator(".dm-person")
    expect(people).to_have_count(2)
    first = people.nth(0).bounding_box()
    comma = people.nth(1).locator(".dm-sep").bounding_box()
    if abs(comma["y"] - first["y"]) < 4:  # on one line (a narrow screen may wrap)
        assert comma["x"] - (first["x"] + first["width"]) < 1.5, (first, comma)


def test_editing_a_message_puts_the_editor_in_place_of_its_text(new_person_page, alice):
    """The folded text (and its "Show more") stayed above the editor, whose three-line box
    hid most of a long message, and Save and Cancel were each as wide as the timeline."""
    room = Room.objects.create(name="general", slug="general", created_by=alice)
    long = "\n\n".join(f"line {number} of a long message" for number in range(30))
    chat.post_message(room=room, author=alice, body=long, client_id="a1")
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    message = page.locator("li.message").last
    expect(message.get_by_role("button", name="Show more")).to_be_visible()
    page.get_by_label("Message", exact=True).press("ArrowUp")
    editor = message.get_by_label("Edit message")
    expect(editor).to_be_focused()
    expect(message.locator(":scope > .body")).to_be_hidden()
    expect(message.get_by_role("button", name="Show more")).to_be_hidden()
    expect(message.get_by_role("button", name="Delete")).to_be_hidden()  # no toolbar on it
    assert editor.evaluate("(area) => area.rows") >= 8
    form = message.locator("form.edit").bounding_box()
    save = message.get_by_role("button", name="Save").bounding_box()
    cancel = message.get_by_role("button", name="Cancel").bounding_box()
    assert save["width"] < form["width"] / 4 and cancel["width"] < form["width"] / 4
    assert abs(save["y"] - cancel["y"]) < 2  # side by side
    editor.press("Escape")
    expect(message.locator(":scope > .body")).to_be_visible()
    expect(message.get_by_role("button", name="Show more")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, PHONE])
def test_the_comment_box_is_as_wide_as_the_cards_fields(new_person_page, alice, team, viewport):
    """It was a form.stack: 28rem wide under a wider editor, a full-width "Comment" under an
    empty line kept for errors."""
    board = boards.create_board(user=alice, name="Challenges", team=team)
    card = boards.create_card(
        board=board, user=alice, column=board.columns.first(), title="CORS errors"
    )
    page = new_person_page(alice, viewport=viewport)
    page.goto(card.get_absolute_url())
    title = page.get_by_label("Title", exact=True).bounding_box()
    box = page.get_by_label("Add a comment").bounding_box()
    button = page.get_by_role("button", name="Comment", exact=True).bounding_box()
    assert abs(box["width"] - title["width"]) < 2, (title, box)
    assert button["width"] < box["width"] / 3
    assert abs((button["x"] + button["width"]) - (box["x"] + box["width"])) < 2  # at its end
    assert button["y"] - (box["y"] + box["height"]) < 16, (box, button)


def test_the_sidebar_keeps_me_and_sign_out_in_view_when_its_lists_are_long(new_person_page, alice):
    """A handful of rooms and conversations pushed "Sign out" below a 720 px window: the
    foot scrolled away with the lists (Slack keeps it put)."""
    Room.objects.create(name="general", slug="general", created_by=alice)
    for number in range(10):
        chat.open_direct(alice, [make_person(f"p{number}@example.com", f"Person {number}")])
    page = new_person_page(alice, viewport={"width": 1280, "height": 600})
    page.goto("/rooms/general/")
    sidebar = page.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("link", name="Person 9")).to_be_attached()
    assert sidebar.evaluate("(nav) => nav.scrollHeight > nav.clientHeight")  # it does scroll
    sign_out = sidebar.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport(ratio=1)
    sidebar.evaluate("(nav) => nav.scrollTo(0, nav.scrollHeight / 2)")
    expect(sign_out).to_be_in_viewport(ratio=1)
    profile = sidebar.get_by_role("link", name=re.compile("Alice"))
    expect(profile).to_be_in_viewport(ratio=1)


def test_a_long_name_in_the_sidebar_is_cut_with_an_ellipsis_not_overflowing(
    new_person_page, alice, team
):
    """The lists' grid items took their text's width: "▦ Real-world challenges" (bold, the
    current page) stuck out of the sidebar, which scrolled sideways."""
    board = boards.create_board(user=alice, name="Real-world challenges of the cohort", team=team)
    page = new_person_page(alice)
    page.goto(f"/boards/{board.pk}/")
    sidebar = page.get_by_role("navigation", name="Main")
    link = sidebar.locator('a[aria-current="page"]')
    expect(link).to_contain_text("Real-world")
    assert sidebar.evaluate("(nav) => nav.scrollWidth <= nav.clientWidth")
    side = sidebar.bounding_box()
    box = link.bounding_box()
    assert box["x"] + box["width"] <= side["x"] + side["width"], (side, box)
    name = link.locator(".side-name")
    assert name.evaluate("(span) => span.scrollWidth > span.clientWidth")  # cut, with "…"


def test_with_a_card_open_the_add_card_box_still_shows_its_placeholder(
    new_person_page, alice, team
):
    """Beside the editor the columns narrow: the box shrank to "Card titl"."""
    board = boards.create_board(user=alice, name="Challenges", team=team)
    card = boards.create_card(board=board, user=alice, title="CORS errors")
    page = new_person_page(alice, viewport={"width": 1280, "height": 720})
    page.goto(f"/boards/{board.pk}/")
    page.locator(f'[data-open-card="{card.pk}"]').click()
    expect(page.locator(".card-editor")).to_be_visible()
    for form in page.locator("form.add-card").all():
        box = form.locator("input[name=title]")
        assert box.evaluate("(input) => input.clientWidth") >= 112  # 7rem: "Card title" fits
        column = form.locator("xpath=ancestor::*[contains(@class, 'column')][1]").bounding_box()
        button = form.get_by_role("button", name="Add card").bounding_box()
        assert button["x"] + button["width"] <= column["x"] + column["width"]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, PHONE])
def test_a_thread_says_the_day_once_when_its_replies_are_of_the_questions_day(
    new_person_page, alice, bob, viewport
):
    """The question and its replies are two lists: each began with its own "Today"."""
    room = Room.objects.create(name="general", slug="general", created_by=alice)
    question = chat.post_message(room=room, author=alice, body="How?", client_id="q1").message
    chat.post_message(room=room, author=bob, body="Like so", client_id="a1", parent=question)
    page = new_person_page(alice, viewport=viewport)
    page.goto(f"/rooms/general/threads/{question.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator(".thread-replies li.message")).to_have_count(1)
    expect(page.locator(".thread-root li.day-separator")).to_have_count(1)
    expect(page.locator(".thread-replies li.day-separator")).to_have_count(0)
