"""Reading a registered schema: JSON or YAML, bounded, hostile input refused with a clear
message; the expected shape of an answer and where an observed body departs from it."""

import json

import pytest
from django.core.exceptions import ValidationError

from hub import openapi
from hub.tests.conftest import PETS

YAML = """
openapi: 3.0.3
info: {title: Tiny, version: "1"}
paths:
  /ping:
    get:
      responses:
        "200": {description: ok}
"""


def test_it_reads_json_and_yaml():
    assert openapi.parse(json.dumps(PETS))["info"]["title"] == "Pets API"
    assert list(openapi.parse(YAML)["paths"]) == ["/ping"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("{not json", "not valid JSON"),
        ("- a\n- b", "object"),
        ('{"swagger": "2.0", "paths": {}}', "3.x"),
        ('{"openapi": "3.1.0"}', "paths"),
        ('{"openapi": "3.1.0", "paths": {"pets": {}}}', "start with /"),
        ('{"openapi": "3.1.0", "paths": {"/pets": {"get": 1}}}', "GET /pets"),
        ("openapi: 3.1.0\npaths: [\n", "valid YAML"),
        ("!!python/object/apply:os.system ['echo hi']", "valid YAML"),
    ],
)
def test_it_says_what_is_wrong(text, says):
    with pytest.raises(ValidationError) as refused:
        openapi.parse(text)
    assert says in refused.value.messages[0]


def test_it_refuses_a_yaml_bomb():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    with pytest.raises(ValidationError, match="aliases"):
        openapi.parse("openapi: 3.1.0\npaths: {}\n" + bomb)


def test_it_refuses_a_huge_schema():
    huge = '{"openapi": "3.1.0", "paths": {}, "x": "' + "a" * openapi.MAX_BYTES + '"}'
    with pytest.raises(ValidationError, match="over 1024 KB"):
        openapi.parse(huge)


def test_it_refuses_deep_nesting_without_crashing():
    with pytest.raises(ValidationError):
        openapi.parse("[" * 100_000 + "]" * 100_000)


def test_it_lists_operations_grouped_by_path():
    assert openapi.operations(PETS) == [
        ("/pets", [("GET", "List pets"), ("POST", "Add a pet")]),
        ("/pets/{id}", [("GET", "One pet")]),
    ]


def test_it_finds_the_expected_answer_for_the_status_or_the_2xx():
    key, schema = openapi.expected_response(PETS, "/pets/{id}", "GET", 404)
    assert key == "404" and schema["required"] == ["detail"]
    key, schema = openapi.expected_response(PETS, "/pets/{id}", "GET", 500)
    assert key == "200" and schema == {"$ref": "#/components/schemas/Pet"}
    shape = openapi.shape(PETS, schema)
    assert shape == {"id": "integer", "name": "string", "tags?": ["string"]}


def test_it_marks_missing_extra_and_wrong_types():
    _, schema = openapi.expected_response(PETS, "/pets", "GET", 200)
    observed = [{"id": "7", "tags": ["a", 3], "colour": "red"}]
    found = {(where, kind) for where, kind, _ in openapi.differences(PETS, schema, observed)}
    assert found == {
        ("$[0].id", "type"), ("$[0].name", "missing"), ("$[0].tags[1]", "type"),
        ("$[0].colour", "extra"),
    }  # fmt: skip
    assert openapi.differences(PETS, schema, [{"id": 1, "name": "Rex"}]) == []
    assert openapi.differences(PETS, schema, {"id": 1})[0][1] == "type"


def test_a_ref_loop_ends():
    loop = {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
    looping = {"openapi": "3.1.0", "paths": {}, "components": {"schemas": loop}}
    assert openapi.shape(looping, {"$ref": "#/components/schemas/A"}) == "any"
    assert openapi.differences(looping, {"$ref": "#/components/schemas/A"}, {}) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"openapi": "3.0.0", "info": {"title": "a\\u0000b"}, "paths": {}}', "NUL"),
        ('{"openapi": "3.0.0", "paths": {"/x": {"get": {"summary": "\\u0000"}}}}', "NUL"),
        ('openapi: 3.0.0\npaths: {}\ninfo:\n  title: "a\\0b"\n', "NUL"),
        ('{"openapi": "3.0.0", "info": {"title": "\\ud800"}, "paths": {}}', "surrogate"),
        ('{"openapi": "3.0.0", "paths": {"/x": {"get": {"summary": "\\udc00"}}}}', "surrogate"),
        ('{"openapi": "3.0.0", "paths": {}, "x": NaN}', "NaN"),
        ("openapi: 3.0.0\npaths: {}\nx: .nan\n", "NaN"),
        ("openapi: 3.0.0\npaths: {}\nx: -.inf\n", "NaN"),
    ],
)
def test_text_postgresql_refuses_is_a_clear_error(text, says):
    """NUL, lone surrogates and NaN pass json.loads but not PostgreSQL (a 500 when stored)."""
    with pytest.raises(ValidationError) as refused:
        openapi.parse(text)
    assert says in refused.value.messages[0]


def test_yaml_keys_that_are_not_text_become_text():
    """YAML keys may be dates, numbers or null; JSON's are strings (json.dumps' default= is
    not asked about keys: a TypeError, a 500)."""
    found = openapi.parse("openapi: 3.0.0\npaths: {}\ninfo:\n  2020-01-01: a\n  7: b\n  ~: c\n")
    assert found["info"] == {"2020-01-01": "a", "7": "b", "null": "c"}


def test_a_hostile_document_is_a_form_error_not_a_500(team, alice):
    from hub import actions

    with pytest.raises(ValidationError):
        actions.register_schema(
            team=team, user=alice, document='{"openapi": "3.0.0", "x": "\\u0000", "paths": {}}'
        )
