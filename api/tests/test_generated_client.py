"""A Python client generated from our schema by a standard generator (openapi-python-client,
a dev dependency: offline, no Java, no network) works as generated against a live server: sign
in, list rooms, read, post with an Idempotency-Key, refresh. If the generator chokes on the
schema, the schema is what gets fixed (docs/api.md says how the client is made)."""

import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from chat.models import Message, Room
from conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# The only setting: a file (GET …/attachments/<id>/) answers in its own type; the generator
# reads bytes only for application/octet-stream, so its first type is read as bytes.
CONFIG = """\
project_name_override: nexus-client
package_name_override: nexus_client
post_hooks: []
content_type_overrides:
  image/png: application/octet-stream
"""


@pytest.fixture
def nexus_client(tmp_path):
    schema, config = tmp_path / "nexus.yaml", tmp_path / "config.yaml"
    call_command("spectacular", "--file", str(schema))
    config.write_text(CONFIG)
    out = tmp_path / "out"
    command = [GENERATOR, "generate", "--path", schema, "--config", config, "--output-path", out]
    generated = subprocess.run(  # noqa: S603 (the installed generator, on our own files)
        [str(part) for part in command], capture_output=True, text=True, timeout=240, check=False
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout  # all of it
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("nexus_client")
    finally:
        sys.path.remove(str(out))
        for name in [
            n for n in sys.modules if n == "nexus_client" or n.startswith("nexus_client.")
        ]:
            del sys.modules[name]


def test_the_generated_client_signs_in_lists_rooms_and_posts(nexus_client, live_server, alice):
    Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)
    sign_in = importlib.import_module("nexus_client.api.auth.sign_in")
    refresh_token = importlib.import_module("nexus_client.api.auth.refresh_token")
    list_rooms = importlib.import_module("nexus_client.api.rooms.list_rooms")
    list_messages = importlib.import_module("nexus_client.api.messages.list_messages")
    post_message = importlib.import_module("nexus_client.api.messages.post_message")
    models = importlib.import_module("nexus_client.models")

    anonymous = nexus_client.Client(base_url=live_server.url)
    pair = sign_in.sync(
        client=anonymous, body=models.SignInRequest(email=alice.email, password=PASSWORD)
    )
    assert isinstance(pair, models.TokenPair), pair
    me = nexus_client.AuthenticatedClient(base_url=live_server.url, token=pair.access)

    rooms = list_rooms.sync(client=me)
    assert [room.slug for room in rooms] == ["general"]
    assert list_messages.sync("general", client=me).results == []

    key = str(uuid.uuid4())
    body = models.NewMessageRequest(body="Hello from a generated client")
    first = post_message.sync_detailed("general", client=me, body=body, idempotency_key=key)
    assert first.status_code == 201
    assert first.parsed.body == "Hello from a generated client"
    assert first.parsed.author.name == "Alice"
    again = post_message.sync_detailed("general", client=me, body=body, idempotency_key=key)
    assert again.status_code == 201 and again.parsed.id == first.parsed.id  # a retry is safe
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1

    page = list_messages.sync("general", client=me)
    assert [m.body for m in page.results] == ["Hello from a generated client"]

    renewed = refresh_token.sync(client=anonymous, body=models.RefreshRequest(refresh=pair.refresh))
    assert isinstance(renewed, models.TokenPair) and renewed.refresh != pair.refresh
    refused = sign_in.sync(
        client=anonymous, body=models.SignInRequest(email=alice.email, password="wrong")
    )
    assert isinstance(refused, models.Problem) and refused.code == "bad_credentials"


TYPES = Path(__file__).resolve().parents[2] / "node_modules" / ".bin"
USES = """\
import type { components, operations } from "./nexus";

type Room = components["schemas"]["Room"];
type Posted = operations["postMessage"]["responses"][201]["content"]["application/json"];
type Problem = operations["postMessage"]["responses"][429]["content"]["application/problem+json"];

export function firstSlug(rooms: Room[]): string { return rooms[0].slug; }
export function said(message: Posted): string { return `${message.author.name}: ${message.body}`; }
export function code(problem: Problem): string { return problem.code; }
// @ts-expect-error a message's seq is a number: the types know the schema's fields
export const wrong: Posted["seq"] = "seven";
"""


def test_typescript_types_generated_from_the_schema_type_check_a_client(tmp_path):
    """openapi-typescript (an npm devDependency, pinned in package-lock.json) turns the schema
    into types that a client's code checks against with tsc --strict."""
    if not (TYPES / "openapi-typescript").exists():
        pytest.fail("run `make assets` (npm ci): openapi-typescript and tsc come from npm")
    schema = tmp_path / "nexus.yaml"
    call_command("spectacular", "--file", str(schema))
    for command in (
        [TYPES / "openapi-typescript", schema, "-o", tmp_path / "nexus.d.ts"],
        [TYPES / "tsc", "--strict", "--noEmit", tmp_path / "client.ts"],
    ):
        (tmp_path / "client.ts").write_text(USES)
        done = subprocess.run(  # noqa: S603 (the installed tools, on our own files)
            [str(part) for part in command], capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, done.stdout + done.stderr
