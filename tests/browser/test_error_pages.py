"""Error pages in the app's look (the server runs with DEBUG on, as in development) and a
refused htmx request that says why beside its control instead of replacing the page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_missing_room_is_the_styled_404_on_desktop(new_person_page, alice):
    page = new_person_page(alice)
    response = page.goto("/rooms/no-such-room/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # the shell
    expect(page.get_by_text("URLconf")).to_have_count(0)
    page.get_by_role("link", name="Browse rooms").click()
    expect(page).to_have_url(re.compile(r"/rooms/$"))


def test_the_404_fits_a_phone_in_dark(new_person_page, alice):
    page = new_person_page(
        alice, viewport=PHONE, is_mobile=True, has_touch=True, color_scheme="dark"
    )
    page.goto("/boards/999999/")
    heading = page.get_by_role("heading", name="Page not found")
    expect(heading).to_be_in_viewport()
    expect(page.get_by_role("link", name="Go to the home page")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("body")).to_have_css("background-color", "rgb(17, 20, 24)")  # dark
    page.screenshot(path=SCREENSHOTS_DIR / "404-phone-dark.png", full_page=True)


def test_demoting_the_last_owner_says_why_beside_the_control(new_person_page, alice, team):
    page = new_person_page(alice)
    page.goto(f"/teams/{team.slug}/")
    row = page.locator(f"#member-{alice.pk}")
    row.get_by_label("Role of Alice").select_option("viewer")
    row.get_by_role("button", name="Change").click()
    alert = row.get_by_role("alert")
    expect(alert).to_have_text("A team needs an owner: make someone else owner first.")
    # The page is still the team page, whole and styled, with its table.
    expect(page.get_by_role("heading", name="Project Nexus", level=1)).to_be_visible()
    expect(page.locator("table.members tbody tr")).to_have_count(3)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    # The next request from that control clears the error; a good one updates the table.
    bob_row = page.locator("tr", has_text="Bob")
    bob_row.get_by_label("Role of Bob").select_option("owner")
    bob_row.get_by_role("button", name="Change").click()
    expect(page.locator("#flash")).to_contain_text("Bob is now owner.")
    row = page.locator(f"#member-{alice.pk}")
    row.get_by_label("Role of Alice").select_option("member")
    row.get_by_role("button", name="Change").click()
    # She gave up ownership: the page is loaded anew (no page swapped inside the table).
    expect(page.locator("#flash")).to_contain_text("Alice is now member.")
    expect(page).to_have_url(re.compile(f"/teams/{team.slug}/$"))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("button", name="Change")).to_have_count(0)  # no longer an owner


def test_a_refused_remove_says_why_and_keeps_the_page(new_person_page, alice, bob, team):
    page = new_person_page(alice)
    page.goto(f"/teams/{team.slug}/")
    # Meanwhile bob is made an owner elsewhere and alice is demoted: her page is stale.
    from accounts.models import Membership, Role

    Membership.objects.filter(team=team, user=bob).update(role=Role.OWNER)
    Membership.objects.filter(team=team, user=alice).update(role=Role.MEMBER)
    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has_text="Vera")
    row.get_by_role("button", name="Remove").click()
    expect(row.get_by_role("alert")).to_have_text("Only owners can remove members.")
    expect(page.locator("table.members tbody tr")).to_have_count(3)
    page.screenshot(path=SCREENSHOTS_DIR / "inline-error.png", full_page=True)


def test_a_request_that_never_arrives_says_so_beside_the_control(new_person_page, alice, team):
    page = new_person_page(alice)
    page.goto(f"/teams/{team.slug}/")
    page.route("**/members/*/role/", lambda route: route.abort())
    row = page.locator("tr", has_text="Bob")
    row.get_by_label("Role of Bob").select_option("viewer")
    row.get_by_role("button", name="Change").click()
    expect(row.get_by_role("alert")).to_have_text(
        "Could not reach the server. Check your connection and try again."
    )
    expect(page.locator("table.members tbody tr")).to_have_count(3)


def test_an_unmarked_failure_gets_a_plain_sentence(new_person_page, alice, team):
    page = new_person_page(alice)
    page.goto(f"/teams/{team.slug}/")
    page.route(
        "**/members/*/role/",
        lambda route: route.fulfill(status=502, body="<html><body>Bad gateway</body></html>"),
    )
    row = page.locator("tr", has_text="Bob")
    row.get_by_role("button", name="Change").click()
    expect(row.get_by_role("alert")).to_have_text(
        "Something went wrong on our side; it is logged. Try again in a moment."
    )
    expect(page.get_by_role("heading", name="Project Nexus", level=1)).to_be_visible()
