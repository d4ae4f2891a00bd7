"""Removed from the team or signed out elsewhere: the open page stops offering what it can no
longer do. Composers and board forms are disabled with the reason; nothing is left pending."""

import re

import pytest
from playwright.sync_api import expect

from accounts import actions as team_actions
from boards import actions as boards
from chat.models import Room
from tests.browser.conftest import off_the_loop
from tests.browser.test_live_socket import Line

pytestmark = pytest.mark.django_db(transaction=True)

NO_ACCESS_ROOM = "You no longer have access to this room."
SIGNED_OUT = "Signed out. Reload the page to sign in again."


@pytest.fixture
def private_room(team, alice):
    return Room.objects.create(
        name="nexus", slug="nexus", team=team, is_private=True, created_by=alice
    )


def _remove(team, owner, member):
    off_the_loop(team_actions.remove_member, team=team, user=owner, member=member)


def _sign_out_elsewhere(page):
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()


def _live(page, url):
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("Live")


def _composer_is_off(page, reason):
    box = page.get_by_label("Message", exact=True)
    expect(box).to_be_disabled()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.locator("#composer")).to_contain_text(reason)


def test_a_removed_member_can_no_longer_write(new_person_page, alice, bob, private_room):
    ana, ben = new_person_page(alice), new_person_page(bob)
    _live(ana, "/rooms/nexus/")
    _live(ben, "/rooms/nexus/")
    online = ana.get_by_role("list", name="Online").get_by_role("listitem")
    expect(online).to_have_text([re.compile("Alice$"), re.compile("Bob$")])
    _remove(private_room.team, alice, bob)
    expect(ben.locator("#connection")).to_have_text(NO_ACCESS_ROOM)
    _composer_is_off(ben, NO_ACCESS_ROOM)
    expect(ben.locator("#online")).not_to_contain_text("Alice")  # not live: no list
    expect(online).to_have_text([re.compile("Alice$")])


def test_a_message_waiting_when_access_ends_is_marked_not_sent(
    new_person_page, alice, bob, private_room
):
    ben = new_person_page(bob)
    line = Line(ben)
    _live(ben, "/rooms/nexus/")
    line.cut_now()
    expect(ben.locator("#connection")).to_contain_text("Reconnecting")
    box = ben.get_by_label("Message", exact=True)
    box.fill("still there?")
    box.press("Enter")
    pending = ben.locator("#messages li.pending")
    expect(pending).to_contain_text("Waiting for the connection")
    team_actions.remove_member(team=private_room.team, user=alice, member=bob)
    line.cut = False
    ben.get_by_role("button", name="Reconnect now").click()
    expect(ben.locator("#connection")).to_have_text(NO_ACCESS_ROOM)
    expect(pending).to_contain_text(f"Not sent: {NO_ACCESS_ROOM}")
    expect(pending.get_by_role("button", name="Retry")).to_be_hidden()
    _composer_is_off(ben, NO_ACCESS_ROOM)


def test_signing_out_elsewhere_turns_the_composer_off(new_person_page, alice, private_room):
    page = new_person_page(alice)
    _live(page, "/rooms/nexus/")
    _sign_out_elsewhere(page)
    expect(page.locator("#connection")).to_have_text(SIGNED_OUT)
    _composer_is_off(page, SIGNED_OUT)


@pytest.mark.parametrize("how", ["removed", "signed out"])
def test_the_board_forms_turn_off(new_person_page, alice, bob, team, how):
    board = boards.create_board(user=alice, name="Challenges", team=team)
    card = boards.create_card(board=board, user=alice, title="Slow API")
    page = new_person_page(bob)
    _live(page, board.get_absolute_url())
    page.locator(f"#card-{card.pk} .card-title").click()
    expect(page.get_by_label("Title")).to_be_enabled()
    if how == "removed":
        _remove(team, alice, bob)
        reason = "You no longer have access to this board."
    else:
        _sign_out_elsewhere(page)
        reason = SIGNED_OUT
    expect(page.locator("#connection")).to_have_text(reason)
    expect(page.get_by_label("Title")).to_be_disabled()
    expect(page.get_by_role("button", name="Save card")).to_be_disabled()
    expect(page.get_by_role("button", name="Add card").first).to_be_disabled()
    expect(page.locator("#card-editor")).to_contain_text(reason)
