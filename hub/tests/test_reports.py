"""Reporting an API problem: a card bound to the schema's endpoint, its page showing the
expected shape beside the observed body, the differences, and a curl line that is safe to paste."""

import json
import shlex
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Membership
from boards import actions as board_actions
from boards.models import Card
from hub import actions
from hub.models import ApiReport

FIELDS = {
    "operation": "GET /pets/{id}",
    "request_path": "/pets/7",
    "request_headers": "Authorization: Bearer abc\nAccept: application/json",
    "status": "200",
    "response_body": '{"id": "7", "nickname": "Rex"}',
}


def test_it_creates_a_card_bound_to_the_endpoint(board, bob, schema):
    report = actions.report_problem(board=board, user=bob, schema=schema, fields=FIELDS)
    card = Card.objects.get()
    assert report.card == card and card.title == "GET /pets/{id} answered 200"
    assert [tag.name for tag in card.tags.all()] == ["API"]
    found = {(where, kind) for where, kind, _ in report.differences()}
    assert found == {("$.id", "type"), ("$.name", "missing"), ("$.nickname", "extra")}
    assert report.expected_shape() == {"id": "integer", "name": "string", "tags?": ["string"]}


def test_credentials_in_the_pasted_headers_are_never_kept(board, bob, schema, as_person):
    """Everyone on the board reads the card: a token, cookie or API key pasted with the
    request is replaced before it is stored, so the page and the curl line never show it."""
    headers = (
        "Authorization: Bearer s3cr3t-token\nCookie: sessionid=s3cr3t-cookie\n"
        "X-Api-Key: s3cr3t-key\nx-auth-token: s3cr3t-auth\nAccept: application/json"
    )
    report = actions.report_problem(
        board=board, user=bob, schema=schema, fields={**FIELDS, "request_headers": headers}
    )
    report.refresh_from_db()
    assert "s3cr3t" not in report.request_headers and "s3cr3t" not in report.curl()
    assert ("Authorization", "<redacted>") in report.header_pairs()
    assert ("Accept", "application/json") in report.header_pairs()
    page = as_person("bob").get(report.card.get_absolute_url())
    assert page.status_code == 200 and b"s3cr3t" not in page.content


def test_the_curl_line_is_quoted_safely(board, bob, schema, tmp_path):
    hostile = 'it\'s $(touch HACKED) `touch HACKED2` "q"\nsecond line\\n'
    fields = {**FIELDS, "operation": "POST /pets", "request_path": "/pets",
              "request_body": hostile, "request_headers": "X-Note: $(id); rm -rf /"}  # fmt: skip
    report = actions.report_problem(board=board, user=bob, schema=schema, fields=fields)
    line = report.curl()
    assert shlex.split(line) == [
        "curl", "-i", "-X", "POST", "https://api.example.org/v1/pets",
        "-H", "X-Note: $(id); rm -rf /", "--data-raw", hostile,
    ]  # fmt: skip
    # What a real shell makes of it: the same words, and nothing run.
    echoed = subprocess.run(  # noqa: S603 (the point: a shell reads the line as text)
        ["/bin/sh", "-c", "printf '%s\\0' " + line.removeprefix("curl ")],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert echoed.stdout.split("\0")[-2] == hostile
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"operation": "GET /nowhere"}, "operation", "Pick an endpoint"),
        ({"operation": "DELETE /pets"}, "operation", "Pick an endpoint"),
        ({"response_body": "<html>oops</html>"}, "response_body", "not JSON"),
        ({"status": "abc"}, "status", "100 to 599"),
        ({"status": "99"}, "status", "100 to 599"),
        ({"request_path": "pets 7"}, "request_path", "starts with /"),
        ({"request_body": "a\x00b"}, "request_body", "NUL"),
    ],
)
def test_bad_input_names_the_field(board, bob, schema, changes, field, says):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        actions.report_problem(board=board, user=bob, schema=schema, fields={**FIELDS, **changes})
    assert says in refused.value.message_dict[field][0]
    assert not Card.objects.exists()


def test_viewers_and_outsiders_cannot_report(board, vera, charlie, schema):
    for person in (vera, charlie):
        with pytest.raises(PermissionDenied):
            actions.report_problem(board=board, user=person, schema=schema, fields=FIELDS)


def test_a_schema_of_another_team_is_refused(board, alice, schema, pets_text):
    from accounts.models import Role, Team

    other = Team.objects.create(name="Other", slug="other")
    Membership.objects.create(team=other, user=alice, role=Role.OWNER)
    theirs = actions.register_schema(team=other, user=alice, document=pets_text)
    with pytest.raises(PermissionDenied):
        actions.report_problem(board=board, user=alice, schema=theirs, fields=FIELDS)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("charlie", 404), ("vera", 403), ("bob", 200), ("alice", 200)],
)
def test_the_form_is_for_those_who_edit_the_board(as_person, board, schema, who, status):
    assert as_person(who).get(reverse("hub:report", args=[board.pk])).status_code == status


def test_the_form_groups_endpoints_by_path(as_person, board, schema):
    page = as_person("bob").get(reverse("hub:report", args=[board.pk])).text
    assert '<optgroup label="/pets/{id}">' in page
    assert '<option value="GET /pets/{id}"' in page


def test_the_form_keeps_what_was_typed(as_person, board, schema):
    fields = {**FIELDS, "schema": "1", "response_body": "not json <b>"}
    answer = as_person("bob").post(reverse("hub:report", args=[board.pk]), fields)
    assert answer.status_code == 400
    assert "The response body is not JSON" in answer.text
    assert "not json &lt;b&gt;" in answer.text and "/pets/7" in answer.text
    assert '<option value="GET /pets/{id}" selected>' in answer.text


def test_the_card_page_shows_expected_beside_observed(as_person, board, schema):
    url = reverse("hub:report", args=[board.pk])
    answer = as_person("bob").post(url, {**FIELDS, "schema": "1"})
    assert answer.status_code == 302
    page = as_person("bob").get(answer["Location"]).text
    assert "API report" in page and "Expected (200)" in page
    assert "&quot;tags?&quot;" in page and "&quot;nickname&quot;: &quot;Rex&quot;" in page
    assert "<code>$.name</code>: required, not in the response" in page
    assert "curl -i -X GET https://api.example.org/v1/pets/7" in page


def test_the_api_reports_too(board, bob, schema):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(bob)
    url = reverse("api:api-reports", args=[board.pk])
    payload = {"schema": 1, "method": "GET", "path": "/pets/{id}", "request_path": "/pets/7",
               "status": 404, "response_body": json.dumps({"error": "gone"})}  # fmt: skip
    answer = client.post(url, payload, format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["expected_response"] == "404"
    assert {d["kind"] for d in data["differences"]} == {"missing", "extra"}
    bad = client.post(url, {**payload, "response_body": "nope"}, format="json")
    assert bad.status_code == 400 and "not JSON" in bad.json()["detail"]
    unknown = client.post(url, {**payload, "path": "/cats"}, format="json")
    assert unknown.status_code == 400 and "operation" in unknown.json()["errors"]
    assert ApiReport.objects.count() == 1
    client.force_authenticate(None)
    assert client.post(url, payload, format="json").status_code == 401


def test_a_removed_member_can_no_longer_report_or_read_schemas(as_person, team, bob, board, schema):
    Membership.objects.filter(team=team, user=bob).delete()
    client = as_person("bob")
    assert client.get(reverse("hub:report", args=[board.pk])).status_code == 404
    assert client.post(reverse("hub:report", args=[board.pk]), FIELDS).status_code == 404
    assert client.get(reverse("hub:schemas", args=[team.slug])).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.report_problem(board=board, user=bob, schema=schema, fields=FIELDS)


def test_a_board_without_a_team_says_why_it_has_no_reports(as_person, bob):
    """Its creator edits it, yet was told "You cannot add cards to this board"."""
    lone = board_actions.create_board(user=bob, name="Mine")
    answer = as_person("bob").get(reverse("hub:report", args=[lone.pk]))
    assert answer.status_code == 403
    assert "You cannot add cards" not in answer.text
    assert "a team&#x27;s board" in answer.text or "a team's board" in answer.text


def test_a_nul_in_the_path_sent_is_a_form_error_not_a_500(as_person, board, schema):
    fields = {**FIELDS, "schema": "1", "request_path": "/pets/7\x00"}
    answer = as_person("bob").post(reverse("hub:report", args=[board.pk]), fields)
    assert answer.status_code == 400
    assert "NUL" in answer.text
    assert not Card.objects.filter(board=board).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"request_path": "/pets/\ud800"},
        {"request_path": "/pets/7\x00"},
        {"request_headers": "X-Note: \ud800"},
        {"request_body": "\udc00"},
        {"response_body": '"\ud800"'},
    ],
)
def test_a_lone_surrogate_or_nul_is_refused_by_field(board, bob, schema, changes):
    """GraphQL's JSON can carry a lone surrogate or a NUL (a page's form cannot: the NUL guard);
    PostgreSQL stores neither (a 500)."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        actions.report_problem(board=board, user=bob, schema=schema, fields={**FIELDS, **changes})
    assert list(refused.value.message_dict) == list(changes)
    assert not Card.objects.filter(board=board).exists()
