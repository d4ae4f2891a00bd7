"""On a phone (390 by 844): what you act on is on screen, the card you open and the composer."""

import pytest
from playwright.sync_api import expect

from boards import actions as boards
from chat.models import Room
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def _phone(new_person_page, user):
    return new_person_page(user, viewport=PHONE, is_mobile=True, has_touch=True)


def test_an_opened_card_is_scrolled_into_view(new_person_page, alice, team):
    board = boards.create_board(user=alice, name="Challenges", team=team)
    for i in range(4):
        boards.create_card(board=board, user=alice, title=f"Card {i}")
    page = _phone(new_person_page, alice)
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_role("link", name="Card 0").tap()
    expect(page.get_by_label("Title")).to_have_value("Card 0")
    expect(page.get_by_label("Title")).to_be_in_viewport()


def test_the_composer_is_on_screen_on_load(new_person_page, alice):
    Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)
    page = _phone(new_person_page, alice)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.get_by_label("Message", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
