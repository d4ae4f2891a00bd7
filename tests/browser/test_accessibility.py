"""axe-core (axe-playwright-python) on every main page, light and dark: no serious or critical
violation. Every control on them is reachable by keyboard (no positive tabindex, nothing
focusable hidden from assistive technology)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from boards import actions as boards
from chat import actions as chat
from chat.models import Room
from tests.browser.conftest import DESKTOP, PAGE_TIMEOUT_MS, PHONE, SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
SCHEMES = ["light", "dark"]
BLOCKING = {"serious", "critical"}
SIGNED_IN = [
    "home",
    "rooms",
    "room",
    "thread",
    "dms",
    "dm",
    "group-dm",
    "mentions",
    "search",
    "board",
    "card",
    "teams",
    "team",
    "profile",
    "emails",
    "password",
    "404",
]
ANONYMOUS = {"sign-in": "/accounts/login/", "sign-up": "/accounts/signup/"}
# The pages docs/screenshots shows (`make screenshots`), taken where axe has just looked.
PICTURED = {"home": "shell", "room": "room", "dm": "dm", "board": "board", "card": "card"}


def team_member(team):
    """A third person of the team (Vera, its viewer): a group conversation needs three."""
    return (
        team.memberships.exclude(user__email__in=["alice@example.com", "bob@example.com"])
        .first()
        .user
    )


@pytest.fixture
def places(alice, bob, team) -> dict[str, str]:
    room = Room.objects.create(
        name="general", slug="general", topic="Say hello", team=team, created_by=alice
    )
    question = chat.post_message(
        room=room, author=bob, body="How do I **run** the tests?", client_id="q1"
    ).message
    chat.post_message(room=room, author=alice, body="`make test`", client_id="a1", parent=question)
    chat.post_message(room=room, author=alice, body="Hello @Bob", client_id="m2")
    board = boards.create_board(user=alice, name="Challenges", team=team)
    card = boards.create_card(board=board, user=alice, title="Caching", problem="Use *Redis*")
    direct = chat.open_direct(alice, [bob])
    chat.post_message(room=direct, author=bob, body="Lunch at noon, @alice?", client_id="d1")
    chat.post_message(room=direct, author=alice, body="Yes! See the *caching* card", client_id="d2")
    return {
        "home": "/",
        "rooms": "/rooms/",
        "room": room.get_absolute_url(),
        "thread": f"{room.get_absolute_url()}threads/{question.pk}/",
        "dms": "/dm/",
        "dm": direct.get_absolute_url(),
        "group-dm": chat.open_direct(alice, [bob, team_member(team)]).get_absolute_url(),
        "mentions": "/rooms/mentions/",
        "search": "/search/?q=caching",
        "board": board.get_absolute_url(),
        "card": card.get_absolute_url(),
        "teams": "/teams/",
        "team": team.get_absolute_url(),
        "profile": "/profile/",
        "emails": "/accounts/email/",
        "password": "/accounts/password/change/",
        "404": "/rooms/no-such-room/",
    }


def _blocking(page: Page) -> str:
    """A readable list of the serious and critical violations on `page` ("" for none)."""
    results = AXE.run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} → {targets}")
    return "\n".join(lines)


def _keyboard_reachable(page: Page) -> list[str]:
    """Controls a keyboard could not reach or would reach out of order."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            'a[href], button, input, select, textarea, summary, [tabindex]')]
          .filter((el) => el.tabIndex > 0
            || (el.closest('[aria-hidden="true"]') && el.tabIndex >= 0 && !el.disabled)
            || (el.matches('[tabindex="-1"]') && !el.matches('main, #main, [data-roving]')
                && el.matches('a[href], button, input, select, textarea')))
          .map((el) => el.outerHTML.slice(0, 120))"""
    )


def _settle(page: Page, name: str) -> None:
    if name in ("room", "board", "thread", "dm", "group-dm", "card"):
        expect(page.locator("#connection")).to_have_text("Live")
    if name == "group-dm":  # its settings (name, leave) open, as someone about to use them
        page.locator("#dm-settings summary").click()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_signed_in_pages_have_no_serious_violation(new_person_page, alice, places, scheme):
    page = new_person_page(alice, color_scheme=scheme)
    failures = []
    for name in SIGNED_IN:
        page.goto(places[name])
        _settle(page, name)
        if name in PICTURED:
            page.screenshot(path=SCREENSHOTS_DIR / f"{PICTURED[name]}-{scheme}.png")
        if found := _blocking(page):
            failures.append(f"{name} ({scheme}):\n{found}")
        if unreachable := _keyboard_reachable(page):
            failures.append(f"{name} ({scheme}) keyboard: {unreachable}")
    # An inline error (a refused htmx request) is readable in this scheme too.
    page.goto(places["team"])
    row = page.locator(f"#member-{alice.pk}")
    row.get_by_label("Role of Alice").select_option("viewer")
    row.get_by_role("button", name="Change").click()
    expect(row.get_by_role("alert")).to_be_visible()
    if found := _blocking(page):
        failures.append(f"team with an inline error ({scheme}):\n{found}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_phone_layout_has_no_serious_violation(new_person_page, alice, places, scheme):
    page = new_person_page(
        alice, viewport=PHONE, is_mobile=True, has_touch=True, color_scheme=scheme
    )
    failures = []
    for name in ("home", "room", "dm", "board", "card", "team", "404"):
        page.goto(places[name])
        _settle(page, name)
        if name in PICTURED:
            page.screenshot(path=SCREENSHOTS_DIR / f"{PICTURED[name]}-phone-{scheme}.png")
        if found := _blocking(page):
            failures.append(f"{name} (phone, {scheme}):\n{found}")
    page.locator("#sidebar-open").tap()  # the drawer, open
    expect(page.locator("#sidebar")).to_be_in_viewport(ratio=1)
    page.screenshot(path=SCREENSHOTS_DIR / f"shell-drawer-phone-{scheme}.png")
    if found := _blocking(page):
        failures.append(f"the open drawer (phone, {scheme}):\n{found}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sign_in_and_sign_up_have_no_serious_violation(browser, live_server_url, db, scheme):
    context = browser.new_context(
        base_url=live_server_url, viewport=DESKTOP, color_scheme=scheme, locale="en-US"
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    failures = []
    for name, path in ANONYMOUS.items():
        page.goto(path)
        if found := _blocking(page):
            failures.append(f"{name} ({scheme}):\n{found}")
        # with its errors showing, too
        page.get_by_role("button", name="Sign").first.click()
        page.wait_for_load_state()
        if found := _blocking(page):
            failures.append(f"{name} with errors ({scheme}):\n{found}")
    context.close()
    assert not failures, "\n\n".join(failures)


def test_sign_in_works_from_the_keyboard(browser, live_server_url, alice):
    context = browser.new_context(base_url=live_server_url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")  # the skip link first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Email").focus()
    page.keyboard.type(alice.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    from conftest import PASSWORD

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    context.close()


def test_the_check_catches_what_it_is_for(browser):
    """The gate is real: low contrast, an unlabelled field and a broken list are caught."""
    page = browser.new_page()
    page.set_content(
        """<!doctype html><html lang="en"><title>t</title><main>
        <p style="color:#999;background:#aaa">Faint</p><input type="text">
        <ul><div>not an item</div></ul></main></html>"""
    )
    found = _blocking(page)
    page.close()
    for rule in ("color-contrast", "label", "list"):
        assert f" {rule}:" in found, found


def test_a_messages_actions_are_reachable_by_keyboard(new_person_page, alice, places):
    """The hover toolbar shows on focus: Tab from the message's time reaches every action."""
    page = new_person_page(alice)
    page.goto(places["room"])
    expect(page.locator("#connection")).to_have_text("Live")
    message = page.locator(".message", has_text="Hello").last
    message.locator(".time").focus()
    names = []
    for _ in range(9):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if not message.locator(".message-actions :focus").count():
            continue
        expect(focused).to_be_visible()
        names.append(focused.get_attribute("aria-label"))
        if names[-1] == "Delete":
            break
    assert names == [
        "Add a reaction", "Reply in thread", "Promote to card", "Mark resolved", "Pin", "Edit",
        "Delete",
    ]  # fmt: skip
