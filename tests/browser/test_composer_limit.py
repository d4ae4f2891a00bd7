"""The room's composer never cuts a message silently: a paste over the limit is refused, a
count shows near the limit, and the limit's error goes once the text fits again."""

import pytest
from playwright.sync_api import expect

from chat.models import Message, Room
from nexus_live.context_processors import all_limits

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", created_by=alice)


def _paste(page, text):
    """A real paste (Ctrl+V) through the page's clipboard, as a person would do it."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.keyboard.press("Control+V")


def _open(new_person_page, alice):
    page = new_person_page(alice, permissions=["clipboard-read", "clipboard-write"])
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    return page


def test_it_refuses_a_paste_over_the_limit(new_person_page, console_errors, alice, general):
    limit = all_limits()["message"]
    page = _open(new_person_page, alice)
    box = page.get_by_label("Message", exact=True)
    box.click()
    _paste(page, "x" * (limit + 1000))
    composer = page.locator("#composer")
    expect(composer.get_by_role("alert")).to_contain_text(f"at most {limit:,} characters")
    expect(box).to_have_value("")  # refused whole, never cut to the limit
    box.press("Enter")
    expect(page.locator("#messages li.message")).to_have_count(0)
    assert not Message.objects.exists()
    assert console_errors(page) == []


def test_it_counts_near_the_limit_and_the_error_clears(new_person_page, alice, general):
    limit = all_limits()["message"]
    page = _open(new_person_page, alice)
    box = page.get_by_label("Message", exact=True)
    count = page.locator("#composer .char-count")
    box.fill("short")
    expect(count).to_be_hidden()
    box.fill("y" * (limit - 10))
    expect(count).to_have_text(f"{limit - 10:,} / {limit:,}")
    box.fill("y" * (limit + 5))  # typed or dropped in, not pasted: kept whole, refused on send
    expect(box).to_have_value("y" * (limit + 5))
    expect(count).to_have_text(f"{limit + 5:,} / {limit:,}")
    box.press("Enter")
    alert = page.locator("#composer").get_by_role("alert")
    expect(alert).to_contain_text(f"at most {limit:,} characters")
    assert not Message.objects.exists()
    box.fill("")
    expect(page.locator("#composer-error")).to_have_text("")
    expect(count).to_be_hidden()
