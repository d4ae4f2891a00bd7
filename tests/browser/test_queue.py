"""The mentor help queue in real browsers (decision 023): a learner asks in a room, and the
question appears on two mentors' queues at once; one says "I'm on it" and the other sees the
claim live; a reply and a resolve reach both. The queue and its response-time charts at phone
width in dark mode, with no console error (a CSP violation would be one)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, Role
from chat import actions
from chat.models import Message, Room
from conftest import make_person
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, off_the_loop
from tests.browser.test_accessibility import _blocking

pytestmark = pytest.mark.django_db(transaction=True)
ON_IT = "I\u2019m on it"  # the button's words, with the typographic apostrophe


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", created_by=alice)


def _mentor(email, name, team):
    person = make_person(email, name)
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


def _live(page, url):
    page.goto(url)
    expect(page.locator("#connection")).to_have_text("Live")


def _fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_a_question_appears_live_is_claimed_and_leaves(
    new_person_page, console_errors, alice, bob, team, general
):
    maya = _mentor("maya@example.com", "Maya", team)
    otto = _mentor("otto@example.com", "Otto", team)
    first = new_person_page(maya)
    second = new_person_page(otto, viewport=PHONE, is_mobile=True, color_scheme="dark")
    learner = new_person_page(bob)
    _live(first, "/queue/")
    _live(second, "/queue/")
    expect(first.locator("#queue-empty")).to_be_visible()

    _live(learner, general.get_absolute_url())
    box = learner.get_by_label("Message", exact=True)
    box.fill("Why does my websocket close with 1006?\nIt happens behind nginx.")
    box.press("Enter")

    item = first.locator(".queue-item").filter(has_text="Why does my websocket close with 1006?")
    expect(item).to_be_visible()
    expect(item).to_contain_text("#general")
    expect(item).to_contain_text("waiting 0 min")
    expect(item).to_contain_text("no reply yet")
    expect(first.locator("#queue-empty")).to_be_hidden()
    theirs = second.locator(".queue-item").filter(has_text="Why does my websocket close")
    expect(theirs).to_contain_text("Nobody on it yet")

    item.get_by_role("button", name=ON_IT).click()
    expect(item).to_contain_text("Maya is on it")
    expect(item.get_by_role("button", name="Leave it")).to_be_visible()
    expect(item.get_by_role("button", name=ON_IT)).to_be_hidden()
    expect(theirs).to_contain_text("Maya is on it")  # the other mentor sees the claim live
    expect(theirs.get_by_role("button", name=ON_IT)).to_be_visible()  # still theirs to take
    expect(theirs.get_by_role("button", name="Leave it")).to_be_hidden()

    question = Message.objects.get(room=general, parent=None)
    off_the_loop(
        actions.post_message,
        room=general,
        author=alice,
        body="Raise proxy_read_timeout.",
        client_id="r1",
        parent=question,
    )
    expect(theirs).to_contain_text("replied")
    expect(theirs).to_contain_text("1 reply")

    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    assert _fits(second)
    assert not _blocking(first) and not _blocking(second)  # axe: light desktop, dark phone
    second.screenshot(path=SCREENSHOTS_DIR / "help-queue-phone-dark.png", full_page=True)
    first.screenshot(path=SCREENSHOTS_DIR / "help-queue-light.png", full_page=True)

    fresh = Message.objects.select_related("room").get(pk=question.pk)
    off_the_loop(actions.resolve_thread, message=fresh, user=bob)
    expect(item).to_have_count(0)
    expect(theirs).to_have_count(0)
    expect(second.locator("#queue-empty")).to_be_visible()
    assert console_errors(first) == [] and console_errors(second) == []


def test_response_time_charts_at_phone_width_in_dark_mode(
    new_person_page, console_errors, alice, bob, team, general
):
    maya = _mentor("maya@example.com", "Maya", team)
    question = actions.post_message(
        room=general, author=bob, body="How do I page a cursor?", client_id="q"
    ).message
    actions.post_message(room=general, author=alice, body="Keyset.", client_id="r", parent=question)
    actions.resolve_thread(message=Message.objects.get(pk=question.pk), user=bob)
    page = new_person_page(maya, viewport=PHONE, is_mobile=True, color_scheme="dark")
    page.goto("/queue/times/")
    chart = page.locator(f'.queue-chart[data-room="{general.pk}"]')
    expect(chart.locator("canvas")).to_have_count(1)  # uPlot drew it
    expect(page.locator(".queue-times-table").first).to_contain_text("Asked")
    assert _fits(page)
    assert not _blocking(page)
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS_DIR / "response-times-phone-dark.png", full_page=True)
    assert console_errors(page) == []
