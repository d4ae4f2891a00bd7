"""The app shell: the sidebar on desktop and as a drawer on a phone, a room that fills the
window, and how a timeline reads (grouping, days, the new-messages pill, editing)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from boards import actions as boards
from chat.models import Message, Room, RoomVisit
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)


def _history(room, author, count, *, start=None, step=timedelta(seconds=30)):
    """`count` messages by `author`, `step` apart, the last one `start` (default: now)."""
    start = start or timezone.now()
    Message.objects.bulk_create(
        Message(
            room=room,
            seq=i,
            event=i,
            author=author,
            client_id=f"h{i}",
            body=f"line {i}",
            body_html=f"<p>line {i}</p>",
        )
        for i in range(1, count + 1)
    )
    for i in range(1, count + 1):  # auto_now_add ignores a value given at creation
        Message.objects.filter(room=room, seq=i).update(created_at=start - (count - i) * step)
    Room.objects.filter(pk=room.pk).update(last_seq=count, last_event=count)


def _send(page, text):
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def _until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def _live(page):
    expect(page.locator("#connection")).to_have_text("Live")


def test_the_sidebar_shows_where_i_am_and_what_is_new_live(
    new_person_page, console_errors, alice, bob, team, general
):
    board = off_the_loop(boards.create_board, user=alice, name="Challenges", team=team)
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        page.goto("/rooms/general/")  # both follow #general from now on
        _live(page)
    _until(lambda: RoomVisit.objects.filter(room=general).count() == 2)  # their read marks
    ana.reload()
    _live(ana)
    sidebar = ana.get_by_role("navigation", name="Main")
    row = sidebar.locator(f'a[data-room="{general.pk}"]')
    expect(row).to_have_attribute("aria-current", "page")

    ana.goto(board.get_absolute_url())
    _live(ana)
    expect(sidebar.get_by_role("link", name="Challenges")).to_have_attribute("aria-current", "page")
    expect(row).not_to_have_attribute("aria-current", "page")
    _send(ben, "@alice could you look at the retry card?")
    expect(sidebar.locator(f'[data-room-unread="{general.pk}"]')).to_have_text("1 unread")
    expect(sidebar.locator(f'[data-room-mentions="{general.pk}"]')).to_have_text("@1 mentions")
    expect(sidebar.locator("#mention-count")).to_be_visible()
    ana.screenshot(path=SCREENSHOTS_DIR / "shell.png")

    row.click()
    _live(ana)
    expect(ana.locator("li.message.mentions-me")).to_have_count(1)
    expect(sidebar.locator(f'[data-room-unread="{general.pk}"]')).to_be_hidden()
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_direct_messages_are_listed_with_their_unread_counts_live(
    new_person_page, console_errors, alice, bob, charlie, general
):
    from chat import actions as chat

    direct = chat.open_direct(alice, [bob])
    group = chat.open_direct(alice, [bob, charlie])
    ana, ben = new_person_page(alice), new_person_page(bob)
    ana.goto("/rooms/")
    sidebar = ana.get_by_role("navigation", name="Main")
    directs = sidebar.get_by_role("list", name="Direct messages")
    expect(directs.get_by_role("link")).to_have_count(2)
    expect(directs.get_by_role("link", name="Bob", exact=True)).to_be_visible()
    expect(directs.get_by_role("link", name="Bob, Charlie")).to_be_visible()
    ben.goto(direct.get_absolute_url())
    _live(ben)
    _send(ben, "lunch at noon?")
    expect(sidebar.locator(f'[data-room-unread="{direct.pk}"]')).to_have_text("1 unread")
    expect(sidebar.locator("#direct-unread")).to_have_text("1 unread")
    expect(sidebar.locator(f'[data-room-unread="{group.pk}"]')).to_be_hidden()
    row = sidebar.locator(f'a[data-room="{direct.pk}"]')
    expect(row).to_have_accessible_name("Bob 1 unread")
    row.click()
    _live(ana)
    expect(ana.locator("#messages li.message", has_text="lunch at noon?")).to_be_visible()
    expect(row).to_have_attribute("aria-current", "page")
    expect(sidebar.locator(f'[data-room-unread="{direct.pk}"]')).to_be_hidden()
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_the_sidebar_collapses_and_stays_so(new_person_page, alice, general):
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    sidebar = page.get_by_role("navigation", name="Main")
    expect(sidebar).to_be_visible()
    page.get_by_role("button", name="Hide the sidebar").click()
    expect(sidebar).to_be_hidden()
    page.reload()
    expect(sidebar).to_be_hidden()
    expect(page.get_by_label("Message", exact=True)).to_be_in_viewport()
    page.get_by_role("button", name="Show the sidebar").click()
    expect(sidebar).to_be_visible()
    page.reload()
    expect(sidebar).to_be_visible()


def test_on_a_phone_the_sidebar_is_a_drawer(new_person_page, alice, general):
    page = new_person_page(
        alice, viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="dark"
    )
    page.goto("/rooms/general/")
    _live(page)
    sidebar = page.get_by_role("navigation", name="Main")
    expect(sidebar).not_to_be_in_viewport()
    expect(page.get_by_label("Message", exact=True)).to_be_in_viewport()
    page.get_by_role("button", name="Show the sidebar").tap()
    expect(sidebar).to_be_in_viewport(ratio=1)  # slid all the way in
    page.screenshot(path=SCREENSHOTS_DIR / "shell-phone-dark.png")
    page.keyboard.press("Escape")
    expect(sidebar).not_to_be_in_viewport()
    page.get_by_role("button", name="Show the sidebar").tap()
    sidebar.get_by_role("link", name="Boards").tap()
    page.wait_for_url("**/boards/")
    expect(sidebar).not_to_be_in_viewport()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 720}, PHONE], ids=["desktop", "phone"]
)
def test_a_long_room_opens_at_its_end_with_the_composer_on_screen(
    new_person_page, alice, general, viewport
):
    _history(general, alice, 80)
    page = new_person_page(alice, viewport=viewport)
    page.goto("/rooms/general/")
    _live(page)
    expect(page.get_by_label("Message", exact=True)).to_be_in_viewport()
    expect(page.locator("#messages li.message").last).to_be_in_viewport()
    # the page itself does not scroll: the timeline does
    assert page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight + 1")


def test_a_near_empty_room_sits_at_the_bottom(new_person_page, alice, general):
    _history(general, alice, 1)
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    _live(page)
    message = page.locator("#messages li.message").first.bounding_box()
    composer = page.get_by_label("Message", exact=True).bounding_box()
    assert composer["y"] - (message["y"] + message["height"]) < 120


def test_messages_group_by_author_and_days_are_separated(new_person_page, alice, bob, general):
    now = timezone.now()
    _history(general, alice, 3, start=now - timedelta(days=1), step=timedelta(minutes=1))
    Message.objects.create(
        room=general, seq=4, event=4, author=bob, client_id="b", body="hi", body_html="<p>hi</p>"
    )
    Room.objects.filter(pk=general.pk).update(last_seq=4, last_event=4)
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    _live(page)
    items = page.locator("#messages > li.message")
    expect(items).to_have_count(4)
    grouped = items.evaluate_all("els => els.map(e => e.classList.contains('grouped'))")
    assert grouped == [False, True, True, False]
    separators = page.locator("#messages > li.day-separator")
    expect(separators).to_have_text(["Yesterday", "Today"])
    time = items.first.locator("time").first
    assert "202" in time.get_attribute("title")  # the full date, on hover
    # the header of a grouped message is hidden, its author still told to a screen reader
    expect(items.nth(1).locator(".author")).to_be_attached()


def test_new_messages_below_show_a_pill_that_takes_me_there(new_person_page, alice, bob, general):
    _history(general, alice, 60)
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        page.goto("/rooms/general/")
        _live(page)
    ana.locator("#timeline").evaluate("el => el.scrollTop = 0")
    expect(ana.locator("#messages li.message")).to_have_count(60)  # older ones loaded, still up
    ana.locator("#timeline").evaluate("el => el.scrollTop = 200")
    _send(ben, "first news")
    _send(ben, "second news")
    pill = ana.locator("#new-pill")
    expect(pill).to_have_text("2 new messages ↓")
    pill.click()
    expect(pill).to_be_hidden()
    expect(ana.locator("#messages li.message", has_text="second news")).to_be_in_viewport()


def test_arrow_up_edits_my_last_message_and_an_empty_edit_keeps_the_editor(
    new_person_page, alice, general
):
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    _live(page)
    _send(page, "first try")
    _send(page, "second try")
    expect(page.locator("#messages li.message:not(.pending)")).to_have_count(2)
    composer = page.get_by_label("Message", exact=True)
    composer.press("ArrowUp")
    mine = page.locator("#messages li.message", has_text="second try")
    editor = mine.locator("form.edit textarea")
    expect(editor).to_have_value("second try")
    editor.fill("   ")
    editor.press("Enter")
    expect(mine.locator(".edit-error")).to_have_text(
        "A message can't be empty. To remove it, use Delete."
    )
    expect(editor).to_be_visible()
    expect(page.locator("#composer-error")).to_have_text("")
    editor.fill("second try, edited")
    editor.press("Enter")
    expect(mine.locator(".body")).to_have_text("second try, edited")
    assert Message.objects.get(room=general, seq=2).body == "second try, edited"
    composer.press("ArrowUp")
    expect(editor).to_be_visible()
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(mine.locator(".body")).to_have_text("second try, edited")
