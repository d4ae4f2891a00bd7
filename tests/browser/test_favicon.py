"""The pages' icon loads; a page's failed favicon load is a console error like any other."""

import time

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pages_link_an_icon_that_loads(new_person_page, console_errors, alice):
    page = new_person_page(alice)
    status = page.evaluate(
        "fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)"
    )
    assert status == 200
    assert console_errors(page) == []


def test_a_favicon_that_fails_to_load_is_a_console_error(browser, live_server_url, console_errors):
    """A response that is not a page links no icon: Chromium then asks for /favicon.ico,
    which the app does not serve."""
    context = browser.new_context(base_url=live_server_url)
    try:
        page = context.new_page()
        errors = console_errors(page)
        page.goto("/healthz")
        deadline = time.monotonic() + 5
        while not errors and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert any("/favicon.ico" in error for error in errors), errors
    finally:
        context.close()
