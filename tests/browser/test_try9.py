"""What a new user's try (issue 9, try9) found in the room: each test failed before its fix."""

import pytest
from playwright.sync_api import expect

from chat import actions as chat
from chat.models import Room

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
