"""A person signs in through the real form and finds their team and its members."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_in_and_shows_the_team_with_its_members(
    new_person_page, console_errors, alice, bob, vera, team
):
    page = new_person_page(alice, viewport=DESKTOP)

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(page.get_by_role("main").get_by_role("link", name="Project Nexus")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    expect(page).to_have_url(re.compile(r"/teams/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")

    page.get_by_role("main").get_by_role("link", name="Project Nexus").click()
    expect(page).to_have_url(re.compile(r"/teams/project-nexus/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Project Nexus")
    expect(page.get_by_role("heading", name="Members (3)")).to_be_visible()
    members = page.get_by_role("table")
    expect(members.get_by_role("row")).to_have_count(4)  # header + three people
    for person, role in ((alice, Role.OWNER), (bob, Role.MEMBER), (vera, Role.VIEWER)):
        row = members.get_by_role("row").filter(has_text=person.name)
        expect(row).to_have_count(1)
        # alice owns the team, so each role is a select she could change
        expect(row.get_by_label(f"Role of {person.name}")).to_have_value(role.value)
    page.screenshot(path=SCREENSHOTS_DIR / "team.png", full_page=True)

    assert console_errors(page) == []

    phone = new_person_page(alice, viewport=PHONE, is_mobile=True, has_touch=True)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(phone.get_by_role("main").get_by_role("link", name="Project Nexus")).to_be_visible()
    phone.screenshot(path=SCREENSHOTS_DIR / "home-phone.png", full_page=True)

    assert console_errors(phone) == []
