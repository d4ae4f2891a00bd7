"""Direct messages and pins in real browsers: two and three people."""

import re

import pytest
from playwright.sync_api import expect

from chat import actions
from chat.models import Message, Room
from tests.browser.conftest import SCREENSHOTS_DIR, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


def _open(user, others):
    return off_the_loop(lambda u, o: actions.open_direct(u, o), u=user, o=others)


def _post(room, author, body, client_id="c1"):
    posted = off_the_loop(
        actions.post_message, room=room, author=author, body=body, client_id=client_id
    )
    return posted.message


def _send(page, text):
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def test_alice_opens_a_dm_and_bob_gets_it_live(new_person_page, console_errors, alice, bob):
    ana = new_person_page(alice)
    ana.goto("/dm/")
    ana.get_by_label("To", exact=True).fill("bob@example.com")
    ana.get_by_role("button", name="Open conversation").click()
    ana.wait_for_url(re.compile(r"/dm/dm_[0-9a-f]+/$"))
    expect(ana.locator("h1.direct-people")).to_contain_text("Bob")
    expect(ana.locator("#connection")).to_have_text("Live")
    _send(ana, "Hi Bob, got a minute?")
    expect(ana.locator("#messages li.message:not(.pending)")).to_have_count(1)
    room = Room.objects.get(kind="direct")

    ben = new_person_page(bob)
    ben.goto("/dm/")
    conversation = ben.locator(f'li[data-dm="{room.pk}"]')
    expect(conversation.get_by_role("link", name="Alice")).to_be_visible()
    badge = conversation.locator(f'[data-room-unread="{room.pk}"]')
    expect(badge).to_have_text(re.compile(r"^1"))
    _send(ana, "It is about Celery")
    expect(badge).to_have_text(re.compile(r"^2"))  # live, without a reload
    expect(ben.locator("#direct-unread")).to_have_text(re.compile(r"^2"))
    expect(ben.locator("#unread-total")).to_be_hidden()  # rooms are counted apart
    ben.screenshot(path=SCREENSHOTS_DIR / "dm-list.png", full_page=True)

    conversation.get_by_role("link", name="Alice").click()
    expect(ben.locator("#connection")).to_have_text("Live")
    expect(ben.locator("#messages li.message")).to_have_count(2)
    _send(ana, "Retries, mostly")
    expect(ben.locator("#messages li.message", has_text="Retries, mostly")).to_be_visible()
    ben.screenshot(path=SCREENSHOTS_DIR / "dm.png", full_page=True)
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_a_third_person_cannot_open_its_url(new_person_page, alice, bob, charlie):
    room = _open(alice, [bob])
    _post(room, alice, "just us")
    carl = new_person_page(charlie)
    response = carl.goto(room.get_absolute_url())
    assert response.status == 404
    expect(carl.get_by_text("just us")).to_have_count(0)
    carl.goto("/dm/")
    expect(carl.get_by_text("No direct messages yet.")).to_be_visible()


def test_a_pin_appears_live_for_the_other_person(new_person_page, console_errors, alice, bob):
    room = _open(alice, [bob])
    message = _post(room, alice, "The plan: retry with backoff")
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        page.goto(room.get_absolute_url())
        expect(page.locator("#connection")).to_have_text("Live")
    expect(ben.locator("#pins-badge")).to_be_hidden()

    line = ana.locator(f"#message-{message.pk}")
    line.hover()
    line.get_by_role("button", name="Pin", exact=True).click()

    expect(ben.locator("#pins-badge")).to_have_text("1")
    expect(ben.locator(f"#message-{message.pk} .badge.pinned")).to_be_visible()
    ben.locator("#pins-menu summary").click()
    link = ben.locator("#pins").get_by_role("link", name=re.compile("The plan"))
    expect(link).to_be_visible()
    ben.screenshot(path=SCREENSHOTS_DIR / "pins.png")
    assert Message.objects.get(pk=message.pk).pinned_by == alice

    line = ben.locator(f"#message-{message.pk}")
    line.hover()
    line.get_by_role("button", name="Unpin", exact=True).click()
    expect(ana.locator("#pins-badge")).to_be_hidden()
    expect(ana.locator(f"#message-{message.pk} .badge.pinned")).to_have_count(0)
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_a_room_member_sees_no_pin_button_but_the_list(new_person_page, alice, bob):
    general = Room.objects.create(name="general", slug="general", created_by=alice)
    message = _post(general, bob, "worth pinning")
    off_the_loop(actions.pin_message, message=message, user=alice)
    ben = new_person_page(bob)
    ben.goto("/rooms/general/")
    expect(ben.locator("#connection")).to_have_text("Live")
    expect(ben.locator("#pins-badge")).to_have_text("1")
    line = ben.locator(f"#message-{message.pk}")
    line.hover()
    expect(line.locator("[data-pin]")).to_be_hidden()


def test_a_dm_on_a_phone_fits_and_opens_its_pins(new_person_page, alice, bob, charlie):
    from tests.browser.conftest import PHONE

    room = _open(alice, [bob, charlie])
    message = _post(room, alice, "Standup moved to 10:00")
    off_the_loop(actions.pin_message, message=message, user=bob)
    ben = new_person_page(bob, viewport=PHONE, is_mobile=True, has_touch=True)
    ben.goto(room.get_absolute_url())
    expect(ben.locator("#connection")).to_have_text("Live")
    expect(ben.locator("h1.direct-people")).to_contain_text("Alice")
    expect(ben.locator("h1.direct-people")).to_contain_text("Charlie")
    expect(ben.locator("#pins-badge")).to_have_text("1")
    ben.locator("#pins-menu summary").click()
    link = ben.locator("#pins").get_by_role("link", name=re.compile("Standup"))
    expect(link).to_be_in_viewport(ratio=1)
    assert ben.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ben.screenshot(path=SCREENSHOTS_DIR / "dm-phone.png")
