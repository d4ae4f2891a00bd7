"""A card's due date reads by the viewer's own calendar: "overdue" once their day has passed,
not the server's UTC day (a card due today is not overdue in Brisbane's early morning or in a
Los Angeles evening)."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from boards import actions
from boards.models import Card
from tests.browser.conftest import off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


def _zone_off_the_utc_day() -> str:
    """A zone whose date differs from UTC's right now (+14 after 10:00 UTC, -11 before 11:00)."""
    now = timezone.now()
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        if now.astimezone(zoneinfo.ZoneInfo(zone)).date() != now.date():
            return zone
    raise AssertionError("one of the two always differs")


@pytest.mark.parametrize("zone", ["Australia/Brisbane", "America/Los_Angeles", "off-the-utc-day"])
def test_due_today_and_overdue_follow_the_browsers_date(new_person_page, alice, team, zone):
    zone = _zone_off_the_utc_day() if zone == "off-the-utc-day" else zone
    local_today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    board = off_the_loop(actions.create_board, user=alice, name="Due", team=team)
    column = board.columns.first()
    for title, due in (
        ("due today", local_today),
        ("due yesterday", local_today - datetime.timedelta(days=1)),
        ("due next week", local_today + datetime.timedelta(days=7)),
    ):
        off_the_loop(
            actions.create_card, board=board, user=alice, column=column, title=title, due=due
        )
    page = new_person_page(alice, timezone_id=zone)
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")

    def due_of(title: str):
        return page.locator(f"#card-{Card.objects.get(title=title).pk} .due")

    expect(due_of("due today")).to_have_class("due due-soon")
    expect(due_of("due today")).not_to_contain_text("Overdue")
    expect(due_of("due yesterday")).to_have_class("due due-overdue")
    expect(due_of("due yesterday")).to_contain_text("Overdue")
    expect(due_of("due next week")).to_have_class("due due-later")

    card = Card.objects.get(title="due today")
    page.goto(card.get_absolute_url())
    expect(page.locator(".due-overdue")).to_have_count(0)
