"""The room composer with JavaScript turned off: text and a file in one form post; a refused
file keeps the text and says why."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from chat.models import Message, Room

pytestmark = pytest.mark.django_db(transaction=True)


def _png(tmp_path):
    path = tmp_path / "diagram.png"
    Image.new("RGB", (64, 48), (36, 87, 197)).save(path, "PNG")
    return path


def test_a_file_goes_with_the_text_without_javascript(new_person_page, alice, bob, tmp_path):
    room = Room.objects.create(name="general", slug="general", created_by=alice)
    ben = new_person_page(bob, java_script_enabled=False)
    ben.goto(room.get_absolute_url())
    ben.get_by_label("Message", exact=True).fill("the diagram")
    ben.get_by_label("Attach files").set_input_files(_png(tmp_path))
    ben.get_by_role("button", name="Send").click()
    expect(ben.locator("#messages")).to_contain_text("the diagram")
    expect(ben.locator("#messages img").first).to_be_visible()  # its thumbnail
    message = Message.objects.get(room=room)
    assert [a.name for a in message.attachments.all()] == ["diagram.png"]

    bad = tmp_path / "page.html"
    bad.write_bytes(b"<html><script>alert(1)</script></html>")
    ben.get_by_label("Message", exact=True).fill("and the page")
    ben.get_by_label("Attach files").set_input_files(bad)
    ben.get_by_role("button", name="Send").click()
    expect(ben.get_by_text("Not attached: page.html", exact=False)).to_be_visible()
    expect(ben.get_by_label("Message", exact=True)).to_have_value("and the page")
    assert Message.objects.filter(room=room).count() == 1
