"""Files in rooms: uploaded, checked by their content, posted with a message, served only to
people who may see the room, removed with their message or after a day unposted."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from chat import actions, files
from chat.events import message_data, render_message
from chat.models import Attachment, Message
from chat.queries import messages_of
from chat.tasks import prune_uploads


def png_bytes(size=(800, 600), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def upload(client, room, name, content, content_type="application/octet-stream"):
    return client.post(
        reverse("chat:upload", args=[room.slug]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def posted_with_file(room, author, name="diagram.png", content=None, client_id="f1"):
    attachment = actions.upload_attachment(
        room=room, user=author, upload=SimpleUploadedFile(name, content or png_bytes())
    )
    message = actions.post_message(
        room=room, author=author, body="look", client_id=client_id, attachments=[attachment.pk]
    ).message
    attachment.refresh_from_db()
    return message, attachment


# --- Upload -------------------------------------------------------------------------------------
def test_it_accepts_an_image_and_makes_a_webp_thumbnail(as_person, general):
    response = upload(as_person("bob"), general, "diagram.png", png_bytes((1600, 1200)))
    assert response.status_code == 201
    data = response.json()
    assert (data["name"], data["content_type"], data["image"]) == ("diagram.png", "image/png", True)
    assert (data["width"], data["height"]) == (1600, 1200)
    attachment = Attachment.objects.get(pk=data["id"])
    assert attachment.message is None
    with default_storage.open(attachment.thumbnail.name) as thumbnail:
        small = Image.open(thumbnail)
        assert small.format == "WEBP"
        assert small.size == (480, 360)
    assert (attachment.thumbnail_width, attachment.thumbnail_height) == (480, 360)
    assert "diagram" not in attachment.file.name  # stored under a random key


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
        ("notes.md", "# Notes\n\nCaf\u00e9 and `code`.\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_it_accepts_pdf_and_text_as_files(as_person, general, name, content, content_type):
    response = upload(as_person("bob"), general, name, content)
    assert response.status_code == 201
    assert response.json()["content_type"] == content_type
    assert response.json()["image"] is False
    assert response.json()["thumbnail_url"] is None


def test_it_accepts_a_zip(as_person, general):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    response = upload(as_person("bob"), general, "code.zip", out.getvalue())
    assert response.status_code == 201
    assert response.json()["content_type"] == "application/zip"


def test_a_png_that_is_really_html_is_refused(as_person, general):
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    response = upload(as_person("bob"), general, "cat.png", page, content_type="image/png")
    assert response.status_code == 400
    assert "cat.png" in response.json()["error"]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><body>hi</body></html>"),
        ("page.txt", b"<html><body>hi</body></html>"),  # markup refused even as text
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
        ("data.bin", bytes(range(256))),
    ],
)
def test_kinds_rooms_do_not_take_are_refused(as_person, general, name, content):
    response = upload(as_person("bob"), general, name, content, content_type="image/png")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Not attached:")


def test_a_jpeg_named_png_is_refused_with_the_name_it_should_have(as_person, general):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "JPEG")
    response = upload(as_person("bob"), general, "photo.png", out.getvalue())
    assert response.status_code == 400
    assert "JPEG image inside, not a PNG image" in response.json()["error"]
    assert "photo.jpg" in response.json()["error"]


def test_a_file_over_the_limit_is_refused(as_person, general, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = upload(as_person("bob"), general, "big.txt", b"a" * 1001)
    assert response.status_code == 413
    assert "at most 1000 bytes" in response.json()["error"]
    big = upload(as_person("bob"), general, "big.txt", b"a" * 200_000)  # by Content-Length
    assert big.status_code == 413


def test_a_broken_image_is_refused(as_person, general):
    response = upload(as_person("bob"), general, "cut.png", png_bytes()[:200])
    assert response.status_code == 400


def test_a_viewer_or_outsider_cannot_upload(as_person, private_room):
    assert upload(as_person("vera"), private_room, "a.txt", b"hi").status_code == 403
    assert upload(as_person("charlie"), private_room, "a.txt", b"hi").status_code == 404
    assert not Attachment.objects.exists()


def test_the_name_loses_folders_and_control_characters():
    assert files.clean_name("../../etc/pass\x00wd.txt") == "passwd.txt"
    assert files.clean_name("C:\\Users\\me\\.report.pdf") == "report.pdf"
    long = files.clean_name("x" * 300 + ".pdf")
    assert len(long) == files.NAME_MAX and long.endswith("….pdf")


def test_the_composer_states_the_limits(as_person, general):
    page = as_person("bob").get(general.get_absolute_url()).content.decode()
    assert "Up to 10 MB: images (PNG, JPEG, GIF, WebP), PDF, zip, text" in page
    assert 'accept=".png,.jpg,.jpeg,.gif,.webp,.pdf,.zip,.txt,.md,.log,.csv"' in page


# --- Posting --------------------------------------------------------------------------------------
def test_a_message_carries_its_uploads_in_html_and_data(alice, bob, general):
    message, attachment = posted_with_file(general, bob)
    assert attachment.message == message
    fresh = messages_of(general).get(pk=message.pk)
    html = render_message(fresh)
    url = reverse("chat:attachment", args=[general.slug, attachment.pk])
    assert f'src="{url}/thumbnail"' in html
    assert 'width="480" height="360"' in html
    data = message_data(fresh)
    assert data["attachments"] == [
        {
            "id": attachment.pk, "name": "diagram.png", "size": attachment.size,
            "content_type": "image/png", "image": True, "width": 800, "height": 600,
            "url": url, "thumbnail_url": f"{url}/thumbnail",
        }
    ]  # fmt: skip


def test_a_file_message_may_have_no_text(bob, general):
    attachment = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("a.txt", b"notes")
    )
    message = actions.post_message(
        room=general, author=bob, body="  ", client_id="c", attachments=[attachment.pk]
    ).message
    assert message.body == ""
    html = render_message(messages_of(general).get(pk=message.pk))
    assert 'download="a.txt"' in html and "5\xa0bytes" in html


def test_only_the_uploaders_own_unposted_uploads_in_that_room_are_accepted(
    alice, bob, general, private_room
):
    mine = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("a.txt", b"a")
    )
    elsewhere = actions.upload_attachment(
        room=private_room, user=bob, upload=SimpleUploadedFile("b.txt", b"b")
    )
    for who, ids in [(alice, [mine.pk]), (bob, [elsewhere.pk]), (bob, ["1"]), (bob, "1")]:
        with pytest.raises(ValidationError):
            actions.post_message(room=general, author=who, body="x", client_id="c", attachments=ids)
    assert not Message.objects.exists()  # nothing half-written
    actions.post_message(room=general, author=bob, body="x", client_id="c", attachments=[mine.pk])
    with pytest.raises(ValidationError):  # posted once, never twice
        actions.post_message(
            room=general, author=bob, body="y", client_id="d", attachments=[mine.pk]
        )


def test_a_retry_with_its_files_answers_the_first_message(bob, general):
    attachment = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("a.txt", b"a")
    )
    post = {"room": general, "author": bob, "body": "x", "client_id": "same"}
    first = actions.post_message(**post, attachments=[attachment.pk])
    again = actions.post_message(**post, attachments=[attachment.pk])
    assert (again.created, again.message.pk) == (False, first.message.pk)


async def _post_over_socket(user, room, frame):
    from chat.tests.conftest import connected

    async with connected(user, room) as socket:
        await socket.send_json_to(frame)
        while True:
            reply = await socket.receive_json_from(timeout=5)
            if reply["type"] in ("message", "error"):
                return reply


@pytest.mark.django_db(transaction=True)
async def test_the_socket_posts_a_message_with_its_files(bob, general):
    from channels.db import database_sync_to_async

    attachment = await database_sync_to_async(actions.upload_attachment)(
        room=general, user=bob, upload=SimpleUploadedFile("a.txt", b"notes")
    )
    frame = {"action": "post", "client_id": "s1", "body": "", "attachments": [attachment.pk]}
    reply = await _post_over_socket(bob, general, frame)
    assert reply["type"] == "message"
    assert [file["name"] for file in reply["data"]["attachments"]] == ["a.txt"]
    assert 'download="a.txt"' in reply["html"]


# --- Serving ------------------------------------------------------------------------------------
def test_members_get_the_image_inline_and_the_thumbnail(as_person, bob, private_room):
    _, attachment = posted_with_file(private_room, bob)
    client = as_person("vera")  # a viewer may see the room
    url = reverse("chat:attachment", args=[private_room.slug, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == default_storage.open(attachment.file.name).read()
    thumbnail = client.get(f"{url}/thumbnail")
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/webp")


def test_an_outsider_gets_a_404_for_a_private_rooms_file(as_person, bob, private_room):
    _, attachment = posted_with_file(private_room, bob)
    url = reverse("chat:attachment", args=[private_room.slug, attachment.pk])
    client = as_person("charlie")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/thumbnail").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_a_file_is_found_only_under_its_own_room(as_person, bob, general, private_room):
    _, attachment = posted_with_file(private_room, bob)
    url = reverse("chat:attachment", args=[general.slug, attachment.pk])
    assert as_person("charlie").get(url).status_code == 404


def test_other_files_are_downloads(as_person, bob, general):
    _, attachment = posted_with_file(general, bob, name="notes.txt", content=b"plain notes")
    response = as_person("charlie").get(
        reverse("chat:attachment", args=[general.slug, attachment.pk])
    )
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unposted_upload_is_seen_only_by_its_uploader(as_person, bob, general):
    attachment = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("a.png", png_bytes())
    )
    url = reverse("chat:attachment", args=[general.slug, attachment.pk])
    assert as_person("alice").get(url).status_code == 404
    assert as_person("bob").get(f"{url}/thumbnail").status_code == 200


def test_deleting_the_message_removes_its_files(
    as_person, bob, general, django_capture_on_commit_callbacks
):
    message, attachment = posted_with_file(general, bob)
    stored = [attachment.file.name, attachment.thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_message(message=message, user=bob)
    assert not Attachment.objects.exists()
    assert not any(default_storage.exists(name) for name in stored)
    url = reverse("chat:attachment", args=[general.slug, attachment.pk])
    assert as_person("bob").get(url).status_code == 404
    fresh = messages_of(general).get(pk=message.pk)
    assert message_data(fresh)["attachments"] == []


def test_an_upload_taken_back_is_gone(as_person, bob, general):
    attachment = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("a.txt", b"a")
    )
    remove = reverse("chat:remove_upload", args=[general.slug, attachment.pk])
    assert as_person("alice").post(remove).status_code == 404
    assert as_person("bob").post(remove).status_code == 204
    assert not Attachment.objects.exists()


def test_unposted_uploads_older_than_a_day_are_pruned(bob, general):
    old = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("old.txt", b"a")
    )
    Attachment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    fresh = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("new.txt", b"b")
    )
    _, posted = posted_with_file(general, bob)
    Attachment.objects.filter(pk=posted.pk).update(created_at=timezone.now() - timedelta(days=2))
    prune_uploads()
    assert set(Attachment.objects.values_list("pk", flat=True)) == {fresh.pk, posted.pk}
    assert not default_storage.exists(old.file.name)


def test_the_room_page_shows_files_without_a_query_per_message(
    client, alice, bob, general, settings, django_assert_max_num_queries
):
    settings.CHAT_RATE_BURST = 1000
    for i in range(10):
        posted_with_file(general, bob, name=f"f{i}.txt", content=b"x", client_id=f"c{i}")
    client.force_login(alice)
    with django_assert_max_num_queries(20):
        page = client.get(general.get_absolute_url()).content.decode()
    assert page.count('class="attachment-file"') == 10


# --- People for @mentions -----------------------------------------------------------------
def test_people_suggests_who_can_see_a_private_room(as_person, private_room):
    response = as_person("alice").get(reverse("chat:people", args=[private_room.slug]))
    assert [p["name"] for p in response.json()["results"]] == ["Bob", "Vera"]
    found = as_person("alice").get(reverse("chat:people", args=[private_room.slug]), {"q": "ve"})
    assert found.json()["results"] == [
        {"id": found.json()["results"][0]["id"], "name": "Vera", "handle": "Vera"}
    ]


def test_people_of_a_public_room_are_everyone_and_outsiders_get_404(
    as_person, general, private_room
):
    response = as_person("charlie").get(reverse("chat:people", args=[general.slug]), {"q": "a"})
    assert [p["name"] for p in response.json()["results"]] == ["Alice"]
    assert (
        as_person("charlie").get(reverse("chat:people", args=[private_room.slug])).status_code
        == 404
    )


def test_people_are_bounded(as_person, general):
    from conftest import make_person

    for i in range(20):
        make_person(f"p{i}@example.com", f"P{i}")
    response = as_person("alice").get(reverse("chat:people", args=[general.slug]), {"q": "p"})
    assert len(response.json()["results"]) == 8


def test_json_of_upload_is_what_the_message_data_says(as_person, general):
    data = upload(as_person("bob"), general, "a.txt", b"a").json()
    assert json.dumps(sorted(data)) == json.dumps(
        ["content_type", "height", "id", "image", "name", "size", "thumbnail_url", "url", "width"]
    )


def test_the_thread_composer_takes_files_too(as_person, bob, general):
    root = actions.post_message(room=general, author=bob, body="q?", client_id="r").message
    url = reverse("chat:thread", args=[general.slug, root.pk])
    for page in (as_person("bob").get(url), as_person("bob").get(url, headers={"HX-Request": "1"})):
        html = page.content.decode()
        assert f'data-upload-url="{reverse("chat:upload", args=[general.slug])}"' in html
        assert f'id="reply-{root.pk}-file"' in html


def test_a_photo_loses_its_location_but_keeps_its_orientation(bob, general):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # where it was taken
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (1, 2, 3)).save(out, "JPEG", exif=exif.tobytes())
    attachment = actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile("photo.jpg", out.getvalue())
    )
    with default_storage.open(attachment.file.name) as stored:
        photo = Image.open(stored)
        assert photo.format == "JPEG"
        assert dict(photo.getexif()) == {0x0112: 6}
        assert photo.getexif().get_ifd(0x8825) == {}
        assert attachment.size == stored.size
    with default_storage.open(attachment.thumbnail.name) as thumbnail:
        assert Image.open(thumbnail).size == (20, 40)  # turned upright


def test_a_direct_conversations_files_are_its_members_only(as_person, alice, bob, charlie):
    direct = actions.open_direct(alice, [bob])
    _, attachment = posted_with_file(direct, alice)
    url = reverse("chat:attachment", args=[direct.slug, attachment.pk])
    assert as_person("bob").get(url).status_code == 200
    assert as_person("charlie").get(url).status_code == 404
    people = as_person("alice").get(reverse("chat:people", args=[direct.slug])).json()
    assert [person["name"] for person in people["results"]] == ["Bob"]
    assert upload(as_person("charlie"), direct, "a.txt", b"hi").status_code == 404


# --- Metadata of every image kind ----------------------------------------------------------------
def _gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # where it was taken
    exif[0x010F] = "PhoneMaker"
    return exif


def _stored(attachment: Attachment) -> bytes:
    with default_storage.open(attachment.file.name) as stored:
        return stored.read()


def _uploaded(bob, general, name: str, content: bytes) -> Attachment:
    return actions.upload_attachment(
        room=general, user=bob, upload=SimpleUploadedFile(name, content)
    )


def test_a_png_loses_its_text_chunks_and_exif_but_keeps_pixels_and_transparency(bob, general):
    from PIL import PngImagePlugin

    picture = Image.new("RGBA", (30, 20), (10, 20, 30, 0))
    picture.putpixel((3, 4), (250, 1, 2, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 48.8566 N, home")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 48,51N</x:xmpmeta>")
    info.add_text("Author", "Bob's phone", zip=True)
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info, exif=_gps_exif(orientation=6).tobytes())
    original = out.getvalue()
    assert b"48.8566" in original and b"PhoneMaker" in original
    attachment = _uploaded(bob, general, "shot.png", original)
    stored = _stored(attachment)
    for secret in (b"48.8566", b"GPSLatitude", b"PhoneMaker", b"tEXt", b"iTXt", b"zTXt"):
        assert secret not in stored
    assert attachment.size == len(stored)
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "PNG" and kept.mode == "RGBA"
    assert kept.tobytes() == picture.tobytes()  # pixels and alpha untouched
    assert dict(kept.getexif()) == {0x0112: 6}  # the orientation stays
    assert kept.text == {}


def test_a_webp_loses_its_exif_and_xmp_but_keeps_pixels_and_transparency(bob, general):
    picture = Image.new("RGBA", (30, 20), (10, 20, 30, 0))
    picture.putpixel((3, 4), (250, 1, 2, 255))
    out = io.BytesIO()
    picture.save(
        out, "WEBP", lossless=True, exif=_gps_exif().tobytes(),
        xmp=b"<x:xmpmeta>GPSLatitude 48,51N</x:xmpmeta>",
    )  # fmt: skip
    original = out.getvalue()
    assert b"PhoneMaker" in original and b"GPSLatitude" in original
    attachment = _uploaded(bob, general, "shot.webp", original)
    stored = _stored(attachment)
    assert b"PhoneMaker" not in stored and b"GPSLatitude" not in stored
    assert b"EXIF" not in stored and b"XMP " not in stored
    assert attachment.size == len(stored)
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "WEBP" and kept.mode == "RGBA"
    assert kept.tobytes() == Image.open(io.BytesIO(original)).tobytes()  # as sent
    assert not kept.info.get("exif") and not kept.info.get("xmp")


def test_an_animated_webp_keeps_its_frames_without_its_metadata(bob, general):
    frames = [Image.new("RGB", (16, 16), color) for color in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(
        out, "WEBP", save_all=True, append_images=frames[1:], duration=[100, 200], loop=0,
        lossless=True, exif=_gps_exif().tobytes(),
    )  # fmt: skip
    attachment = _uploaded(bob, general, "moving.webp", out.getvalue())
    stored = _stored(attachment)
    assert b"PhoneMaker" not in stored
    kept = Image.open(io.BytesIO(stored))
    assert kept.n_frames == 2
    kept.seek(1)
    assert kept.convert("RGB").getpixel((5, 5)) == (0, 0, 255)


def test_an_animated_png_and_gif_keep_their_frames(bob, general):
    frames = [Image.new("RGB", (16, 16), color) for color in ((255, 0, 0), (0, 0, 255))]
    for name, form in (("moving.png", "PNG"), ("moving.gif", "GIF")):
        out = io.BytesIO()
        frames[0].save(out, form, save_all=True, append_images=frames[1:], duration=100, loop=0)
        attachment = _uploaded(bob, general, name, out.getvalue())
        kept = Image.open(io.BytesIO(_stored(attachment)))
        assert kept.format == form and kept.n_frames == 2
        kept.seek(1)
        assert kept.convert("RGB").getpixel((5, 5)) == (0, 0, 255)


def test_a_png_without_metadata_is_stored_as_sent(bob, general):
    original = png_bytes((10, 10))
    assert _stored(_uploaded(bob, general, "plain.png", original)) == original


@pytest.mark.parametrize(("name", "form"), [("odd.webp", "WEBP"), ("odd.png", "PNG")])
def test_an_image_with_unreadable_exif_is_attached_without_it(bob, general, name, form):
    """An EXIF block that is not TIFF (Pillow raises SyntaxError reading it) was a 500: the
    picture is attached, its unreadable EXIF left out like any other."""
    picture = Image.new("RGBA", (30, 20), (10, 20, 30, 0))
    out = io.BytesIO()
    lossless = {"lossless": True} if form == "WEBP" else {}
    picture.save(out, form, exif=b"Exif\x00\x00GARBAGE-not-a-tiff-header PhoneMaker", **lossless)
    original = out.getvalue()
    assert b"PhoneMaker" in original
    attachment = _uploaded(bob, general, name, original)
    stored = _stored(attachment)
    assert b"PhoneMaker" not in stored
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == form and kept.size == (30, 20)
    assert kept.tobytes() == Image.open(io.BytesIO(original)).tobytes()  # as sent


# --- The composer without JavaScript: text and files in one multipart POST ---------------------
def _post_form(client, room, body, *files_sent, client_id="nojs1"):
    data = {"body": body, "client_id": client_id}
    if files_sent:
        data["file"] = [SimpleUploadedFile(name, content) for name, content in files_sent]
    return client.post(reverse("chat:post", args=[room.slug]), data, follow=True)


def test_the_no_js_composer_posts_text_and_files_in_one_go(as_person, general):
    response = _post_form(
        as_person("bob"), general, "my screenshot", ("shot.png", png_bytes((40, 30))),
        ("log.txt", b"line one\n"),
    )  # fmt: skip
    assert response.status_code == 200
    message = Message.objects.get(room=general)
    assert message.body == "my screenshot"
    assert sorted(a.name for a in message.attachments.all()) == ["log.txt", "shot.png"]
    assert "shot.png" in response.content.decode()


def test_the_no_js_composer_posts_a_file_without_text(as_person, general):
    _post_form(as_person("bob"), general, "", ("shot.png", png_bytes((40, 30))))
    message = Message.objects.get(room=general)
    assert message.body == "" and message.attachments.count() == 1


def test_a_refused_file_keeps_the_text_and_says_why(as_person, general):
    client = as_person("bob")
    response = _post_form(
        client, general, "see attached", ("ok.png", png_bytes((10, 10))),
        ("page.html", b"<html><script>alert(1)</script></html>"),
    )  # fmt: skip
    html = response.content.decode()
    assert "Not attached: page.html" in html
    assert ">see attached</textarea>" in html  # the draft is back in the composer
    assert not Message.objects.filter(room=general).exists()
    assert not Attachment.objects.filter(room=general).exists()  # nothing half-sent waits


def test_a_file_over_the_limit_keeps_the_text(as_person, general, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = _post_form(as_person("bob"), general, "big one", ("big.txt", b"a" * 2000))
    html = response.content.decode()
    assert "a file is at most" in html and ">big one</textarea>" in html
    assert not Message.objects.filter(room=general).exists()


def test_the_no_js_composer_form_sends_files(as_person, general):
    html = as_person("bob").get(general.get_absolute_url()).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file"' in html and 'id="composer-file"' in html


def test_a_viewer_cannot_post_files_without_js(as_person, private_room):
    response = _post_form(as_person("vera"), private_room, "hi", ("a.txt", b"hi"))
    assert response.status_code == 403 and not Message.objects.exists()
    assert not Attachment.objects.exists()
