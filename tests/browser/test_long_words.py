"""Long unbroken words (a title of one "TTTT…") wrap inside their box: nothing spills over
other columns or widens the page, on a desktop and a phone, light and dark."""

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from boards import actions as boards
from chat import actions as chat
from chat.models import Message
from nexus_live.context_processors import all_limits
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = [
    pytest.param({"viewport": DESKTOP, "color_scheme": "light"}, id="desktop-light"),
    pytest.param({"viewport": PHONE, "is_mobile": True, "color_scheme": "dark"}, id="phone-dark"),
    pytest.param({"viewport": PHONE, "is_mobile": True, "color_scheme": "light"}, id="phone-light"),
    pytest.param({"viewport": DESKTOP, "color_scheme": "dark"}, id="desktop-dark"),
]

# Every element matched that is wider than its box, or that reaches past its container, by
# more than a pixel; and whether the page itself became wider than the window.
SPILLS = """([selector, container]) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    const outer = el.closest(container)?.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || (outer && box.right > outer.right + 1)) {
      out.push(`${el.tagName}.${el.className} ${Math.round(box.width)}px`);
    }
  }
  return out;
}"""
PAGE_WIDER = "() => document.documentElement.scrollWidth > window.innerWidth + 1"


def _long(kind: str) -> str:
    return kind[0].upper() * all_limits()[kind]


@pytest.fixture
def long_board(team, alice):
    Team.objects.filter(pk=team.pk).update(name=_long("team_name"))
    board = boards.create_board(user=alice, name=_long("board_name"), team=team)
    column = board.columns.first()
    boards.rename_column(column=column, user=alice, name=_long("column_name"))
    boards.create_card(board=board, user=alice, column=column, title=_long("card_title"))
    boards.create_card(board=board, user=alice, column=column, title="Short one")
    return board


@pytest.fixture
def long_room(alice):
    room = chat.create_room(user=alice, name=_long("room_name").lower())
    chat.post_message(room=room, author=alice, body="W" * 3000, client_id="long")
    return room


@pytest.mark.parametrize("screen", SCREENS)
def test_a_long_card_title_stays_in_its_card(new_person_page, alice, long_board, screen):
    page = new_person_page(alice, **screen)
    page.goto(long_board.get_absolute_url())
    expect(page.locator(".card")).to_have_count(2)
    for selector, container in [
        (".card, .card-title", ".column"),
        (".board-head h1, .column-head h2", ".board-page"),
    ]:
        assert page.evaluate(SPILLS, [selector, container]) == [], selector
    if screen["viewport"] == PHONE:
        assert not page.evaluate(PAGE_WIDER)
    widths = page.locator(".column").evaluate_all("els => els.map(e => e.offsetWidth)")
    assert len(set(widths)) == 1, widths  # the long title's column is as wide as the others
    card_width = page.locator(".card").first.bounding_box()["width"]
    short_width = page.locator(".card").last.bounding_box()["width"]
    assert abs(card_width - short_width) <= 1  # the long one did not widen its column


@pytest.mark.parametrize("screen", SCREENS)
def test_a_long_word_stays_in_its_message_and_name(new_person_page, alice, long_room, screen):
    page = new_person_page(alice, **screen)
    page.goto(long_room.get_absolute_url())
    expect(page.locator("#messages li.message")).to_have_count(1)
    for selector, container in [
        ("#messages li.message, #messages .body", ".timeline"),
        (".room-head h1, .timeline, .composer", ".room"),
    ]:
        assert page.evaluate(SPILLS, [selector, container]) == [], selector
    assert not page.evaluate(PAGE_WIDER)
    assert Message.objects.count() == 1


@pytest.mark.parametrize("screen", SCREENS[:2])
def test_long_names_stay_in_the_lists(new_person_page, alice, long_board, long_room, screen):
    page = new_person_page(alice, **screen)
    for url in ["/boards/", "/rooms/", "/teams/", f"/teams/{long_board.team.slug}/"]:
        page.goto(url)
        assert page.evaluate(SPILLS, ["main h1, main li, main a, main td", "main"]) == [], url
        assert not page.evaluate(PAGE_WIDER), url
