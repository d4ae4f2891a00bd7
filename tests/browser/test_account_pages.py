"""Sign-in and sign-up in the app's look, on a desktop and on a phone in dark mode: labelled
fields, errors beside what they are about, nothing wider than the screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PAGE_TIMEOUT_MS, PHONE, SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


def _anonymous(browser, live_server_url, **options) -> Page:
    context = browser.new_context(base_url=live_server_url, locale="en-US", **options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context.new_page()


def _fits(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_wrong_password_is_said_above_the_form(browser, live_server_url, alice):
    page = _anonymous(browser, live_server_url, viewport=DESKTOP, color_scheme="light")
    page.goto("/accounts/login/")
    card = page.get_by_role("main")
    expect(card.get_by_role("heading", name="Sign In")).to_be_visible()
    box = card.bounding_box()
    assert box["width"] < 480 and abs(box["x"] + box["width"] / 2 - DESKTOP["width"] / 2) < 20
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_label("Email")).to_have_value(alice.email)
    page.screenshot(path=SCREENSHOTS_DIR / "sign-in-error.png", full_page=True)
    page.context.close()


def test_sign_up_on_a_phone_in_dark_says_which_field_is_wrong(browser, live_server_url, db):
    page = _anonymous(
        browser,
        live_server_url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        color_scheme="dark",
    )
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Sign Up")).to_be_in_viewport()
    _fits(page)
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Password (again)").fill("something else")
    page.get_by_role("button", name="Sign Up").tap()
    again = page.get_by_label("Password (again)")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(again).to_have_accessible_description("You must type the same password each time.")
    _fits(page)
    # The dark surface (waited for: the stylesheet may still be on its way on a loaded machine)
    expect(page.locator("main")).to_have_css("background-color", "rgb(26, 30, 36)")
    page.screenshot(path=SCREENSHOTS_DIR / "sign-up-phone-dark.png", full_page=True)
    # Put right, the account is made and the confirmation page is a card too.
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    again.fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign Up").tap()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    _fits(page)
    page.context.close()


def test_the_password_reset_page_is_a_card(browser, live_server_url, alice):
    page = _anonymous(browser, live_server_url, viewport=DESKTOP, color_scheme="dark")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Password Reset")).to_be_visible()
    page.get_by_label("Email").fill(alice.email)
    page.get_by_role("button", name="Reset My Password").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main:has(> .auth-title)")).to_have_count(1)
    page.context.close()
