"""A link's preview card, in Chromium: the author sends a link to a page on 127.0.0.1, the
card (title, description, our own copy of the image) appears for another person without a
reload, and the author's remove button takes it away for both. With a broker (CI: Redis) a
real Celery worker fetches the page; in the embedded default, the server does."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from chat.tests.test_previews import HTML
from chat.tests.test_previews import page as page_with_tags
from tests.browser.conftest import open_room
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (36, 87, 197)).save(out, "PNG")
    return out.getvalue()


def test_a_links_card_appears_live_and_its_author_removes_it(
    new_person_page, console_errors, alice, bob, nexus, worker
):
    with Receiver() as site:
        image_url = site.url.replace("/hook", "/og.png")
        site.answers = [
            (200, HTML, page_with_tags(title="Cursor <pagination>", image=image_url)),
            (200, {"Content-Type": "image/png"}, _png()),
        ]
        author = open_room(new_person_page, alice, nexus)
        reader = open_room(new_person_page, bob, nexus, color_scheme="dark")

        author.get_by_role("textbox", name="Message").fill(f"Read {site.url} before the review")
        author.get_by_role("textbox", name="Message").press("Enter")

        card = reader.locator(".link-preview")
        expect(card).to_have_count(1, timeout=30_000)  # arrived as a message_changed frame
        expect(card.locator(".link-preview-title")).to_have_text("Cursor <pagination>")
        expect(card.locator(".link-preview-title")).to_have_attribute("href", site.url)
        expect(card).to_contain_text("Pages by seq, not by offset.")
        image = card.locator("img.link-preview-image")
        assert "127.0.0.1" not in image.get_attribute("src")  # our copy, never hot-linked
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0
        expect(card.get_by_role("button", name="Remove this preview")).to_be_hidden()

        removal = author.locator(".link-preview").get_by_role("button", name="Remove this preview")
        expect(removal).to_be_visible(timeout=30_000)
        removal.click()
        expect(author.locator(".link-preview")).to_have_count(0)
        expect(card).to_have_count(0)
        expect(reader.locator(".message").last).to_contain_text("before the review")
    assert console_errors(author) == [] and console_errors(reader) == []
