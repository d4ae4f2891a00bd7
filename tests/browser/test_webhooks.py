"""A team owner adds a webhook in the browser, copies its secret, sends a test event and sees
its delivery; a message posted in a room of the team reaches the receiver, signed. With a
broker (CI: Redis), a real Celery worker delivers; in the embedded default, the server does."""

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from chat.models import Room
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _delivered(page, kind: str) -> None:
    """Reload the delivery log until the newest `kind` delivery says Delivered."""
    row = page.locator(".deliveries li").filter(has_text=kind).first
    for _ in range(40):
        page.reload()
        if row.count() and "Delivered" in row.inner_text():
            return
        page.wait_for_timeout(250)
    expect(row).to_contain_text("Delivered")


def test_an_owner_adds_a_webhook_and_receives_signed_events(
    new_person_page, console_errors, alice, team, worker
):
    Room.objects.create(name="help", slug="help", team=team, created_by=alice)
    with Receiver() as receiver:
        page = new_person_page(alice)
        page.goto(team.get_absolute_url())
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks of Project Nexus")

        page.get_by_label("Payload URL").fill("http://127.0.0.1:9/unused")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("Choose at least one kind of event.")).to_be_visible()

        page.get_by_label("Payload URL").fill(receiver.url)
        page.get_by_label("A message is posted in a room").check()
        page.get_by_role("button", name="Add webhook").click()
        secret = page.get_by_role("textbox", name="Signing secret").input_value()
        assert secret.startswith("whsec_")
        page.get_by_role("button", name="Send test event").click()
        expect(page.get_by_text("Test event sent")).to_be_visible()
        _delivered(page, "webhook.test")
        expect(page.get_by_role("textbox", name="Signing secret")).to_have_count(0)  # shown once
        (test_event,) = receiver.wait_for(1)
        assert Webhook(secret).verify(test_event.body, test_event.headers)["type"] == "webhook.test"
        page.screenshot(path=SCREENSHOTS_DIR / "webhooks.png", full_page=True)

        room = new_person_page(alice)
        room.goto("/rooms/help/")
        expect(room.locator("#connection")).to_have_text("Live")
        box = room.get_by_label("Message", exact=True)
        box.fill("Is the deploy webhook firing?")
        box.press("Enter")
        posted = receiver.wait_for(2, timeout=20)[1]
        payload = Webhook(secret).verify(posted.body, posted.headers)
        assert payload["type"] == "message.posted"
        assert payload["data"]["message"]["body"] == "Is the deploy webhook firing?"
        _delivered(page, "message.posted")

        refused = "status of 400"  # the form sent without a kind of event, on purpose
        assert [e for e in console_errors(page) if refused not in e] == []
        assert console_errors(room) == []

    phone = new_person_page(alice, viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(page.url)
    expect(phone.get_by_role("button", name="Send test event")).to_be_in_viewport()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
