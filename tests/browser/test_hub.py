"""A frontend peer reports an API problem from a board (a bad body is refused, what was typed
kept; then the card shows expected beside observed and a curl line), and the team's hub, made
public by its owner, is read by a visitor who is not signed in — on a phone, in dark mode —
without the private board's cards."""

import json

import pytest
from playwright.sync_api import expect

from boards import actions as board_actions
from hub import actions as hub_actions
from hub.tests.conftest import PETS
from tests.browser.conftest import off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)


def _boards(team, alice):
    hub_actions.register_schema(team=team, user=alice, document=json.dumps(PETS))
    public = board_actions.create_board(user=alice, name="Integration", team=team, public=True)
    secret = board_actions.create_board(user=alice, name="Hush board", team=team)
    for board, title in ((public, "CORS preflight fails"), (secret, "Leaked key rotation")):
        board_actions.create_card(
            board=board, user=alice, title=title, solution="Fixed.", column=board.columns.last()
        )
    return public, secret


@pytest.fixture
def boards(team, alice):
    return off_the_loop(_boards, team=team, alice=alice)


def test_a_report_then_the_public_hub(
    new_person_page, console_errors, browser, live_server_url, alice, bob, team, boards
):
    public, _ = boards
    page = new_person_page(bob)
    page.goto(public.get_absolute_url())
    page.get_by_role("link", name="Report an API problem").click()
    page.get_by_label("Endpoint", exact=True).select_option("GET /pets/{id}")
    page.get_by_label("Path as sent").fill("/pets/7")
    page.get_by_label("Request body").fill("it's $(rm -rf /)\nline two")
    page.get_by_label("Response status").fill("200")
    page.get_by_label("Response body").fill("<html>502 Bad Gateway</html>")
    page.get_by_role("button", name="Report").click()
    expect(page.get_by_text("The response body is not JSON")).to_be_visible()
    expect(page.get_by_label("Path as sent")).to_have_value("/pets/7")
    expect(page.get_by_label("Endpoint", exact=True)).to_have_value("GET /pets/{id}")

    page.get_by_label("Response body").fill('{"id": "7", "nickname": "Rex"}')
    page.get_by_role("button", name="Report").click()
    report = page.locator(".api-report")
    expect(report).to_contain_text("Expected (200)")
    expect(report.locator(".api-differences li")).to_have_count(3)
    expect(report.locator("[data-curl]")).to_contain_text(
        "curl -i -X GET https://api.example.org/v1/pets/7"
    )
    refused = "status of 400"  # the form answered 400 to the bad body, on purpose
    assert [error for error in console_errors(page) if refused not in error] == []

    owner = new_person_page(alice)
    owner.goto(f"/teams/{team.slug}/hub/")
    expect(owner.locator("#hub-file")).to_contain_text("Hush board")
    owner.get_by_role("button", name="Make public").click()
    expect(owner.get_by_role("button", name="Make private")).to_be_visible()

    visitor = browser.new_context(
        base_url=live_server_url, viewport={"width": 390, "height": 800}, color_scheme="dark"
    )
    try:
        anonymous = visitor.new_page()
        console_errors(anonymous)
        anonymous.goto(f"/teams/{team.slug}/hub/")
        expect(anonymous.locator("#hub-file")).to_contain_text("CORS preflight fails")
        expect(anonymous.locator("#hub-file")).not_to_contain_text("Hush board")
        expect(anonymous.locator("#hub-file")).not_to_contain_text("Leaked key rotation")
        anonymous.get_by_role("link", name="CORS preflight fails").click()
        expect(anonymous.get_by_role("heading", name="CORS preflight fails")).to_be_visible()
        wide = anonymous.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390
        assert console_errors(anonymous) == []
    finally:
        visitor.close()
