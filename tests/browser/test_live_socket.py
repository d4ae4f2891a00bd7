"""The one socket client (static/js/live.js) in a real Chromium: a stalled connection, a lost
access, a sign-out elsewhere, the countdown with "Reconnect now", and the read mark."""

import json
import time

import pytest
from playwright.sync_api import WebSocketRoute, expect

from accounts import actions as team_actions
from chat import actions
from chat.models import Room

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", created_by=alice)


@pytest.fixture
def private_room(team, alice):
    return Room.objects.create(
        name="nexus", slug="nexus", team=team, is_private=True, created_by=alice
    )


class Line:
    """Every room socket of a page goes through here: it can stall (nothing passes either
    way, and no FIN: the connection just goes quiet) or be cut (closed, reconnects refused)."""

    def __init__(self, page) -> None:
        self.stalled = self.cut = False
        self.routes: list[WebSocketRoute] = []
        page.route_web_socket("**/ws/rooms/**", self.through)

    def through(self, ws: WebSocketRoute) -> None:
        if self.cut:
            ws.close(code=4000)
            return
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if self.stalled else server.send(message))
        server.on_message(lambda message: None if self.stalled else ws.send(message))
        self.routes.append(ws)

    def cut_now(self) -> None:
        self.cut = True
        for ws in self.routes:
            ws.close(code=4000)


def _live(page, path: str) -> None:
    page.goto(path)
    expect(page.locator("#connection")).to_have_text("Live")


def test_a_stalled_connection_says_so_within_ten_seconds(new_person_page, alice, general):
    page = new_person_page(alice)
    line = Line(page)
    _live(page, "/rooms/general/")
    line.stalled = True
    stalled_at = time.monotonic()
    expect(page.locator("#connection")).to_contain_text("Reconnecting", timeout=11_000)
    assert time.monotonic() - stalled_at <= 10.5
    line.stalled = False
    expect(page.locator("#connection")).to_have_text("Live", timeout=15_000)


def test_offline_shows_a_countdown_and_reconnect_now_works(new_person_page, alice, general):
    page = new_person_page(alice)
    line = Line(page)
    _live(page, "/rooms/general/")
    for _ in range(3):  # a few refused tries: the wait grows past a second
        line.cut_now()
        expect(page.locator("#connection")).to_contain_text("Reconnecting in")
    line.cut = False
    button = page.get_by_role("button", name="Reconnect now")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#connection")).to_have_text("Live", timeout=2_000)
    expect(button).to_be_hidden()


def test_losing_access_while_offline_is_said_and_not_retried(
    new_person_page, alice, bob, private_room
):
    """The reconnect after a removal is refused with 4403 on an accepted socket (a refusal
    before accepting reaches the browser as 1006, which it would retry forever)."""
    page = new_person_page(bob)
    line = Line(page)
    attempts = []
    page.on("websocket", lambda ws: attempts.append(ws.url) if "/ws/rooms/" in ws.url else None)
    _live(page, "/rooms/nexus/")
    line.cut_now()
    expect(page.locator("#connection")).to_contain_text("Reconnecting")
    team_actions.remove_member(team=private_room.team, user=alice, member=bob)
    line.cut = False
    expect(page.locator("#connection")).to_have_text(
        "You no longer have access to this room.", timeout=20_000
    )
    tried = len(attempts)
    page.wait_for_timeout(3_000)
    assert len(attempts) == tried


def test_signing_out_in_another_tab_says_signed_out(new_person_page, alice, general):
    page = new_person_page(alice)
    _live(page, "/rooms/general/")
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    expect(page.locator("#connection")).to_have_text(
        "Signed out. Reload the page to sign in again."
    )


def test_the_read_mark_is_the_seq_of_the_last_message(new_person_page, alice, bob, general):
    """Room events count edits and reactions too; the read mark counts messages."""
    first = actions.post_message(room=general, author=alice, body="one", client_id="a1").message
    for i in range(5):
        actions.edit_message(message=first, user=alice, body=f"one, edit {i}")
        first.refresh_from_db()
    page = new_person_page(bob)
    reads = []

    def watch(ws) -> None:
        def sent(payload) -> None:
            frame = json.loads(payload) if isinstance(payload, str) else {}
            if frame.get("action") == "read":
                reads.append(frame["seq"])

        ws.on("framesent", sent)

    page.on("websocket", watch)
    _live(page, "/rooms/general/")
    ana = new_person_page(alice)
    _live(ana, "/rooms/general/")
    box = ana.get_by_label("Message", exact=True)
    box.fill("two")
    box.press("Enter")
    expect(page.locator("#messages li.message")).to_have_count(2)
    page.wait_for_timeout(1_500)  # the read mark goes a second after the last message
    general.refresh_from_db()
    assert (general.last_seq, general.last_event) == (2, 7)
    assert reads and reads[-1] == 2


def test_a_room_archived_while_open_turns_read_only(new_person_page, alice, bob, general):
    ana, ben = new_person_page(alice), new_person_page(bob)
    _live(ben, "/rooms/general/")
    _live(ana, "/rooms/general/")
    expect(ben.locator("#composer")).to_be_visible()
    ana.get_by_text("Room settings").click()
    ana.get_by_role("button", name="Archive room").click()
    expect(ben.locator("#composer")).to_be_hidden()
    expect(ben.locator("#archived-note")).to_be_visible()
    expect(ben.locator("#room-head")).to_contain_text("archived: read only")
