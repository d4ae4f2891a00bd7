"""Group direct messages in real browsers: a new conversation appears live in the others'
lists, a name given by one reaches everyone, and someone leaving updates the others' pages."""

import re

import pytest
from playwright.sync_api import expect

from chat import actions
from chat.models import Room
from tests.browser.conftest import PHONE, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_group_appears_live_in_the_others_list_and_sidebar(
    new_person_page, console_errors, alice, bob, charlie
):
    ben = new_person_page(bob)
    heard: list[str] = []
    ben.on("websocket", lambda socket: socket.on("framereceived", lambda f: heard.append(f)))
    ben.goto("/dm/")
    for _ in range(200):  # its /ws/me/ socket said `state`: it is listening
        if any('"state"' in str(frame) for frame in heard):
            break
        ben.wait_for_timeout(50)
    expect(ben.get_by_text("No direct messages yet.")).to_be_visible()
    room = off_the_loop(lambda: actions.open_direct(alice, [bob, charlie]))

    row = ben.locator(f"#dm-entry-{room.pk}")
    expect(row).to_have_count(1, timeout=15_000)  # a live frame: a loaded CI machine is slow
    expect(row.get_by_role("link")).to_have_text("Alice, Charlie")  # not Bob: it is his page
    expect(ben.get_by_text("No direct messages yet.")).to_be_hidden()
    side = ben.locator(f"#side-dm-{room.pk}")
    expect(side).to_be_visible()
    expect(side).to_contain_text("Alice, Charlie")
    expect(side).not_to_contain_text("Bob")
    off_the_loop(lambda: actions.post_message(room=room, author=alice, body="hi", client_id="g1"))
    expect(row.locator(f'[data-room-unread="{room.pk}"]')).to_have_text(re.compile(r"^1"))
    row.get_by_role("link").click()
    expect(ben.locator("#connection")).to_have_text("Live")
    expect(ben.locator("#messages")).to_contain_text("hi")
    assert console_errors(ben) == []


def test_a_name_and_a_leave_reach_the_others_live(
    new_person_page, console_errors, alice, bob, charlie
):
    room = off_the_loop(lambda: actions.open_direct(alice, [bob, charlie]))
    ana, carl = new_person_page(alice), new_person_page(charlie, viewport=PHONE, is_mobile=True)
    for page in (ana, carl):
        page.goto(room.get_absolute_url())
        expect(page.locator("#connection")).to_have_text("Live")
    head = ana.locator("h1.direct-people")
    expect(head).to_contain_text("Charlie")

    carl.locator("#dm-settings summary").click()
    carl.get_by_label("Name", exact=True).fill("Celery club")
    carl.get_by_role("button", name="Save name").click()
    expect(carl.locator("h1.direct-people")).to_have_text("Celery club")
    expect(head).to_have_text("Celery club")  # live, without a reload
    expect(ana.locator(f"#side-dm-{room.pk}")).to_contain_text("Celery club")

    carl.locator("#dm-settings summary").click()
    carl.get_by_role("button", name="Leave conversation").click()
    carl.wait_for_url(re.compile(r"/dm/$"))
    expect(carl.get_by_text("You left Celery club.")).to_be_visible()
    expect(carl.locator(f"#dm-entry-{room.pk}")).to_have_count(0)

    off_the_loop(lambda: actions.rename_direct(room=room, user=alice, title=""))
    expect(head).not_to_contain_text("Charlie")  # who is left, live (Alice is me: not listed)
    expect(head).to_contain_text("Bob")
    expect(head).not_to_contain_text("Alice")
    assert not Room.objects.get(pk=room.pk).members.filter(user=charlie).exists()
    assert carl.goto(room.get_absolute_url()).status == 404
    assert console_errors(ana) == []


def test_a_pair_has_no_settings_to_leave_or_rename(new_person_page, alice, bob):
    room = off_the_loop(lambda: actions.open_direct(alice, [bob]))
    ana = new_person_page(alice)
    ana.goto(room.get_absolute_url())
    expect(ana.locator("h1.direct-people")).to_contain_text("Bob")
    expect(ana.locator("#dm-settings")).to_have_count(0)
