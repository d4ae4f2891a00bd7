"""Small things a new user noticed: the reconnect countdown counts down, the invite row keeps
its Revoke button on its line, initials of a name without letters."""

import itertools
import re
import time

import pytest
from playwright.sync_api import expect

from accounts import actions as team_actions
from chat.models import Room
from tests.browser.conftest import PHONE
from tests.browser.test_live_socket import Line

pytestmark = pytest.mark.django_db(transaction=True)
COUNTDOWN = re.compile(r"Reconnecting in (\d+) s")


def _seconds(page) -> int | None:
    match = COUNTDOWN.search(page.locator("#connection").inner_text())
    return int(match.group(1)) if match else None


def test_the_reconnect_countdown_counts_down_each_second(new_person_page, alice):
    Room.objects.create(name="general", slug="general", created_by=alice)
    page = new_person_page(alice)
    line = Line(page)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    line.cut_now()  # every try is refused: the wait grows (0.5-1 s, 1-2 s, 2-4 s, 4-8 s…)
    deadline = time.monotonic() + 25
    while (_seconds(page) or 0) < 4:  # over 3 s to wait: the next 2.5 s stay in this wait
        assert time.monotonic() < deadline, page.locator("#connection").inner_text()
        page.wait_for_timeout(50)
    seen = [_seconds(page)]
    until = time.monotonic() + 2.5
    while time.monotonic() < until:
        page.wait_for_timeout(100)
        if (now := _seconds(page)) != seen[-1]:
            seen.append(now)
    # one second less at each tick: 6, 5, 4 (never stuck, never a jump)
    assert len(seen) >= 3 and all(b == a - 1 for a, b in itertools.pairwise(seen)), seen


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, PHONE])
def test_the_invite_row_keeps_revoke_on_its_line(new_person_page, alice, team, viewport):
    team_actions.create_invite(team=team, user=alice, role="member")
    page = new_person_page(alice, viewport=viewport)
    page.goto(team.get_absolute_url())
    row = page.locator(".invites > li").first
    link = row.get_by_role("textbox")
    copy = row.get_by_role("button", name="Copy")
    revoke = row.get_by_role("button", name="Revoke")
    expect(revoke).to_be_visible()
    boxes = [element.bounding_box() for element in (link, copy, revoke)]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 4, boxes  # one line
    assert boxes[2]["x"] + boxes[2]["width"] <= viewport["width"]
    label = revoke.evaluate("(b) => b.getClientRects().length")
    assert label == 1  # its text on one line too
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_name_of_symbols_gets_a_readable_avatar(new_person_page, alice, bob, team):
    bob.display_name = "!!!"
    bob.save(update_fields=["display_name"])
    page = new_person_page(alice)
    page.goto(team.get_absolute_url())
    avatar = page.locator(f"#member-{bob.pk} .avatar-initials")
    expect(avatar).to_have_text("B")  # from bob@example.com
