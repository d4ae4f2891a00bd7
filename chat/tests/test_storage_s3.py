"""Files on an S3-compatible store (django-storages), against moto's S3 server on loopback:
stored there under a random key, private, and served only through the view."""

import socket

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from chat import actions
from chat.tests.test_attachments import png_bytes

BUCKET = "nexus-media-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **keys)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
                "access_key": "test", "secret_key": "test", "default_acl": None,
                "file_overwrite": False,
            },
        },
    }  # fmt: skip
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_image_is_stored_on_s3_and_served_by_the_view(
    s3_storage, as_person, bob, private_room, django_capture_on_commit_callbacks
):
    assert isinstance(storages["default"], S3Storage)
    attachment = actions.upload_attachment(
        room=private_room, user=bob, upload=SimpleUploadedFile("chart.png", png_bytes())
    )
    message = actions.post_message(
        room=private_room, author=bob, body="x", client_id="c", attachments=[attachment.pk]
    ).message
    keys = {item["Key"] for item in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {attachment.file.name, attachment.thumbnail.name}
    assert all(key.startswith(f"attachments/{private_room.pk}/") for key in keys)
    grants = s3_storage.get_object_acl(Bucket=BUCKET, Key=attachment.file.name)["Grants"]
    assert not any("AllUsers" in str(grant) for grant in grants)  # never public-read

    url = reverse("chat:attachment", args=[private_room.slug, attachment.pk])
    served = as_person("vera").get(url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    assert b"".join(served.streaming_content) == png_bytes()
    assert as_person("charlie").get(url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_message(message=message, user=bob)
    assert "Contents" not in s3_storage.list_objects_v2(Bucket=BUCKET)
