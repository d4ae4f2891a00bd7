"""The composer, three people in Chromium: an image pasted by one appears as a thumbnail for
another (live) and is refused to an outsider; a refused file says why and keeps the text; an
@mention picked from the suggestions; a reaction from the full emoji picker."""

import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from chat.models import Attachment, Mention, Message, Reaction
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, open_room

pytestmark = pytest.mark.django_db(transaction=True)


def _png_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (36, 87, 197)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def _paste_image(page) -> None:
    """A real paste (Ctrl+V) of an image put on the page's clipboard, as a screenshot is."""
    page.evaluate(
        """async (data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const blob = new Blob([bytes], { type: "image/png" });
            await navigator.clipboard.write([new ClipboardItem({ "image/png": blob })]);
        }""",
        _png_base64(),
    )
    page.keyboard.press("Control+V")


def test_a_pasted_image_reaches_the_room_as_a_thumbnail_and_no_outsider(
    new_person_page, console_errors, alice, bob, charlie, nexus
):
    ben = open_room(new_person_page, bob, nexus, permissions=["clipboard-read", "clipboard-write"])
    ana = open_room(new_person_page, alice, nexus)
    composer = ben.locator("#composer")
    expect(composer).to_contain_text("Up to 10 MB: images (PNG, JPEG, GIF, WebP), PDF, zip, text")
    box = ben.get_by_label("Message", exact=True)
    box.click()
    box.fill("The schema, as drawn")
    _paste_image(ben)
    chip = composer.locator(".attach-chip")
    expect(chip).to_have_attribute("data-state", "ready")
    expect(chip.locator("img.attach-preview")).to_be_visible()
    expect(box).to_have_value("The schema, as drawn")  # the paste added a file, not text
    box.press("Enter")

    image = ana.locator("#messages li.message .attachment-image img")
    expect(image).to_be_visible()
    ana.wait_for_function(
        "() => document.querySelector('.attachment-image img')?.naturalWidth === 480"
    )
    expect(ana.locator("#messages li.message").last).to_contain_text("The schema, as drawn")
    expect(composer.locator(".attach-chip")).to_have_count(0)
    attachment = Attachment.objects.get()
    assert attachment.message == Message.objects.get()
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/png", 640, 400)

    ana.locator(".attachment-image a").click()  # full size, in a dialog
    viewer = ana.locator("dialog.image-viewer")
    expect(viewer).to_be_visible()
    ana.wait_for_function(
        "() => document.querySelector('dialog.image-viewer img')?.naturalWidth === 640"
    )
    ana.screenshot(path=SCREENSHOTS_DIR / "room-image.png")
    ana.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    phone = open_room(new_person_page, alice, nexus, viewport=PHONE)  # fits, composer on screen
    expect(phone.locator(".attachment-image img")).to_be_visible()
    expect(phone.get_by_label("Message", exact=True)).to_be_in_viewport()
    width = phone.evaluate("() => document.querySelector('.attachment-image img').clientWidth")
    assert 0 < width <= PHONE["width"] - 60
    phone.screenshot(path=SCREENSHOTS_DIR / "room-image-phone.png")

    outsider = new_person_page(charlie)
    url = f"/rooms/nexus/files/{attachment.pk}"
    for path in (url, f"{url}/thumbnail"):
        assert outsider.request.get(path).status == 404
    assert ana.request.get(url).status == 200
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_a_refused_file_says_why_and_keeps_the_text(new_person_page, console_errors, bob, nexus):
    page = open_room(new_person_page, bob, nexus)
    box = page.get_by_label("Message", exact=True)
    box.fill("Here is the page")
    page.locator("#composer .attach-input").set_input_files(
        files=[{"name": "cat.png", "mimeType": "image/png", "buffer": b"<html><b>hi</b></html>"}]
    )
    alert = page.locator("#composer").get_by_role("alert")
    expect(alert).to_contain_text("Not attached: cat.png is not a kind of file rooms take")
    expect(page.locator("#composer .attach-chip")).to_have_count(0)
    expect(box).to_have_value("Here is the page")
    assert not Attachment.objects.exists()
    errors = console_errors(page)
    assert all("400" in error for error in errors), errors  # the refused upload itself


def test_a_file_alone_is_sent_as_a_download(new_person_page, alice, bob, nexus):
    ben = open_room(new_person_page, bob, nexus)
    ana = open_room(new_person_page, alice, nexus)
    ben.locator("#composer .attach-input").set_input_files(
        files=[{"name": "notes.md", "mimeType": "text/markdown", "buffer": b"# Retries\n"}]
    )
    expect(ben.locator("#composer .attach-chip")).to_have_attribute("data-state", "ready")
    ben.get_by_role("button", name="Send").click()
    link = ana.locator("#messages .attachment-file")
    expect(link).to_contain_text("notes.md")
    with ana.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "notes.md"


def test_an_autocompleted_mention(new_person_page, console_errors, alice, bob, nexus):
    page = open_room(new_person_page, alice, nexus)
    box = page.get_by_label("Message", exact=True)
    box.click()
    box.press_sequentially("Thanks @b")
    menu = page.locator(".mention-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("li")).to_have_text(["Bob @Bob"])
    option = page.get_by_role("listbox", name="People to mention").get_by_role("option")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-0")
    page.screenshot(path=SCREENSHOTS_DIR / "room-mention.png")
    box.press("Enter")  # picks the suggestion; does not send
    expect(box).to_have_value("Thanks @Bob ")
    expect(box).not_to_have_attribute("aria-activedescendant", "mention-option-0")
    expect(page.locator("#messages li.message")).to_have_count(0)
    box.press_sequentially("for the fix")
    box.press("Enter")
    expect(page.locator("#messages li.message:not(.pending)")).to_have_count(1)
    assert Message.objects.get().body == "Thanks @Bob for the fix"
    assert Mention.objects.get().user == bob
    assert console_errors(page) == []


def test_the_outsider_is_suggested_nobody_of_a_private_room(new_person_page, alice, nexus):
    page = open_room(new_person_page, alice, nexus)
    box = page.get_by_label("Message", exact=True)
    box.click()
    box.press_sequentially("@charl")
    expect(page.locator(".mention-menu")).to_contain_text("Nobody of that name can see this room")


def test_a_reaction_from_the_emoji_picker(new_person_page, console_errors, alice, bob, nexus):
    ana = open_room(new_person_page, alice, nexus)
    ben = open_room(new_person_page, bob, nexus)
    ana.get_by_label("Message", exact=True).fill("Deployed!")
    ana.get_by_label("Message", exact=True).press("Enter")
    message = ben.locator("#messages li.message").first
    expect(message).to_contain_text("Deployed!")
    message.hover()
    message.get_by_label("Add a reaction").click()
    message.get_by_role("button", name="More emoji…").click()
    picker = ben.locator("dialog.emoji-dialog")
    expect(picker).to_be_visible()
    search = picker.get_by_label("Search emoji")
    expect(search).to_be_focused()
    expect(picker.get_by_role("button", name="tiger face")).to_be_visible()
    search.fill("tiger")
    expect(picker.locator(".emoji-choice:visible")).to_have_count(2)
    ben.screenshot(path=SCREENSHOTS_DIR / "emoji-picker.png")
    search.press("ArrowDown")  # into the grid, by keyboard
    ben.keyboard.press("ArrowRight")
    ben.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    seen = ana.locator("#messages li.message .reaction")
    expect(seen).to_have_text("🐅 1")
    assert Reaction.objects.get().emoji == "🐅"
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_a_file_dropped_on_the_composer_is_attached(new_person_page, alice, bob, nexus):
    ben = open_room(new_person_page, bob, nexus)
    ana = open_room(new_person_page, alice, nexus)
    dropped = ben.evaluate_handle(
        """() => {
            const data = new DataTransfer();
            const file = new File(["retry(countdown=5)\\n"], "trace.log", { type: "text/plain" });
            data.items.add(file);
            return data;
        }"""
    )
    composer = ben.locator("#composer")
    composer.dispatch_event("dragover", {"dataTransfer": dropped})
    expect(composer).to_have_class("composer drop-target")
    ben.get_by_label("Message", exact=True).dispatch_event("drop", {"dataTransfer": dropped})
    expect(composer).not_to_have_class("composer drop-target")
    expect(composer.locator(".attach-chip")).to_have_attribute("data-state", "ready")
    ben.get_by_label("Message", exact=True).press("Enter")  # a file alone: no text needed
    expect(ana.locator("#messages .attachment-file")).to_contain_text("trace.log")
    assert Message.objects.get().body == ""
