"""Registering a team's API schema: owners register (upload, paste or URL), members see,
everyone else cannot tell it exists; a URL is fetched by a task through the outbound policy."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hub import actions
from hub.models import ApiSchema
from hub.tests.conftest import PETS
from nexus_live.celery import app


@pytest.fixture
def eager():
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


class _Serve(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def served(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Serve.routes = {
        "/openapi.json": (200, "application/json", json.dumps(PETS).encode()),
        "/openapi.yaml": (200, "application/yaml", b"openapi: 3.0.0\npaths:\n  /x: {}\n"),
        "/swagger.json": (200, "application/json", b'{"swagger": "2.0", "paths": {}}'),
        "/huge.json": (200, "application/json", b"{" + b" " * (2 * 1024 * 1024) + b"}"),
    }
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_upload_is_a_new_version(team, alice, pets_text):
    first = actions.register_schema(team=team, user=alice, document=pets_text)
    second = actions.register_schema(team=team, user=alice, document=pets_text.encode())
    assert (first.version, second.version) == (1, 2)
    assert (second.status, second.title, second.api_version) == ("ready", "Pets API", "1.2")


def test_only_owners_register(team, bob, vera, charlie, pets_text):
    for person in (bob, vera, charlie):
        with pytest.raises(PermissionDenied):
            actions.register_schema(team=team, user=person, document=pets_text)
    assert not ApiSchema.objects.exists()


def test_a_url_is_fetched_by_a_task(team, alice, served, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = actions.register_schema(team=team, user=alice, url=f"{served}/openapi.json")
    made.refresh_from_db()
    assert (made.status, made.title, made.source) == ("ready", "Pets API", "url")
    with django_capture_on_commit_callbacks(execute=True):
        yaml_one = actions.register_schema(team=team, user=alice, url=f"{served}/openapi.yaml")
    yaml_one.refresh_from_db()
    assert yaml_one.status == "ready" and yaml_one.version == 2


@pytest.mark.parametrize(
    ("path", "says"),
    [("/swagger.json", "3.x"), ("/huge.json", "over 1024 KB"), ("/gone", "answered 404")],
)
def test_a_bad_url_fails_saying_why(
    team, alice, served, eager, path, says, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = actions.register_schema(team=team, user=alice, url=served + path)
    made.refresh_from_db()
    assert made.status == "failed" and says in made.error


def test_a_private_address_is_refused_at_once(team, alice):
    for url in ("http://127.0.0.1:8000/openapi.json", "http://169.254.169.254/latest", "ftp://x"):
        with pytest.raises(ValidationError):
            actions.register_schema(team=team, user=alice, url=url)


def test_a_second_fetch_does_nothing(team, alice, served):
    made = actions.register_schema(team=team, user=alice, url=f"{served}/openapi.json")
    assert actions.fetch_schema(made.pk) is True
    assert actions.fetch_schema(made.pk) is False


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("charlie", 404), ("vera", 200), ("bob", 200), ("alice", 200)],
)
def test_members_see_the_schemas(as_person, team, schema, who, status):
    client = as_person(who)
    for url in (
        reverse("hub:schemas", args=[team.slug]),
        reverse("hub:schema", args=[team.slug, schema.version]),
    ):
        assert client.get(url).status_code == status, url
    if status == 200:
        page = client.get(reverse("hub:schema", args=[team.slug, 1]))
        assert "/pets/{id}" in page.text
        download = client.get(reverse("hub:schema", args=[team.slug, 1]) + "?format=json")
        assert download.json()["info"]["title"] == "Pets API"


def test_the_page_registers_an_upload(as_person, team):
    client = as_person("alice")
    upload = SimpleUploadedFile("api.json", json.dumps(PETS).encode(), "application/json")
    answer = client.post(reverse("hub:schemas", args=[team.slug]), {"file": upload})
    assert answer.status_code == 302
    assert ApiSchema.objects.get().title == "Pets API"


def test_the_page_says_what_is_wrong_and_keeps_the_text(as_person, team):
    client = as_person("alice")
    url = reverse("hub:schemas", args=[team.slug])
    answer = client.post(url, {"text": "openapi: 2\npaths: {}"})
    assert answer.status_code == 400
    assert "must be a 3.x version" in answer.text and "openapi: 2" in answer.text


def test_a_member_posting_is_told_no(as_person, team):
    answer = as_person("bob").post(reverse("hub:schemas", args=[team.slug]), {"text": "x"})
    assert answer.status_code == 403
    assert not ApiSchema.objects.exists()


def test_an_upload_over_the_cap_is_refused_in_the_form(as_person, team):
    big = SimpleUploadedFile("api.json", b" " * (2 * 1024 * 1024), "application/json")
    answer = as_person("alice").post(reverse("hub:schemas", args=[team.slug]), {"file": big})
    assert answer.status_code == 400 and "over 1024 KB" in answer.text
    assert not ApiSchema.objects.exists()


def test_a_url_httpx_cannot_even_build_fails_saying_why(team, alice, monkeypatch):
    """`http://xn--/` passes the URL check but its host is not IDNA: httpx raises IDNAError
    (a UnicodeError, not an HTTPError). The task crashed and the schema stayed "Fetching"."""
    monkeypatch.setattr("hub.actions.queue", lambda *args, **kwargs: None)
    schema = actions.register_schema(team=team, user=alice, url="http://xn--/openapi.json")
    assert actions.fetch_schema(schema.pk) is False
    schema.refresh_from_db()
    assert schema.status == ApiSchema.Status.FAILED
    assert schema.error.startswith("Fetching it failed")
