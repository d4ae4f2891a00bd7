"""Files over the API: uploaded as multipart, posted with a message, in every message's data,
fetched with the same token by people who may see the room."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chat import actions


@pytest.fixture
def nexus_room(alice, team):
    return actions.create_room(user=alice, name="nexus", team=team, is_private=True)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 50), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def _upload(client, room, name, content):
    return client.post(
        f"/api/v1/rooms/{room.slug}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_it_uploads_posts_and_serves_a_file(bearer, alice, bob, nexus_room):
    client = bearer(bob)
    uploaded = _upload(client, nexus_room, "chart.png", _png())
    assert uploaded.status_code == 201
    attachment = uploaded.json()
    assert (attachment["content_type"], attachment["width"], attachment["image"]) == (
        "image/png", 100, True,
    )  # fmt: skip
    posted = client.post(
        f"/api/v1/rooms/{nexus_room.slug}/messages/",
        {"body": "", "attachments": [attachment["id"]]},
        format="json",
        headers={"Idempotency-Key": "k1"},
    )
    assert posted.status_code == 201
    assert [file["id"] for file in posted.json()["attachments"]] == [attachment["id"]]
    page = bearer(alice).get(f"/api/v1/rooms/{nexus_room.slug}/messages/").json()
    assert page["results"][0]["attachments"][0]["name"] == "chart.png"

    file_url = f"/api/v1/rooms/{nexus_room.slug}/attachments/{attachment['id']}/"
    served = bearer(alice).get(file_url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    assert b"".join(served.streaming_content) == _png()
    thumbnail = bearer(alice).get(f"{file_url}?thumbnail=1")
    assert thumbnail["Content-Type"] == "image/webp"


def test_an_outsider_gets_a_404_for_the_file(bearer, bob, charlie, nexus_room):
    upload = actions.upload_attachment(
        room=nexus_room, user=bob, upload=SimpleUploadedFile("a.txt", b"secret")
    )
    actions.post_message(
        room=nexus_room, author=bob, body="x", client_id="c", attachments=[upload.pk]
    )
    response = bearer(charlie).get(f"/api/v1/rooms/{nexus_room.slug}/attachments/{upload.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_refusals_are_problems(bearer, bob, nexus_room, settings):
    client = bearer(bob)
    refused = _upload(client, nexus_room, "cat.png", b"<html>not a cat</html>")
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    settings.ATTACHMENT_MAX_BYTES = 10
    too_big = _upload(client, nexus_room, "a.txt", b"x" * 11)
    assert (too_big.status_code, too_big.json()["code"]) == (413, "too_large")
    missing = client.post(f"/api/v1/rooms/{nexus_room.slug}/attachments/", {}, format="multipart")
    assert missing.status_code == 400
