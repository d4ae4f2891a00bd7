"""The hub's test material: a small OpenAPI document, the team's board, a registered schema."""

import json

import pytest

from boards import actions as board_actions
from hub import actions

PETS = {
    "openapi": "3.1.0",
    "info": {"title": "Pets API", "version": "1.2"},
    "servers": [{"url": "https://api.example.org/v1"}],
    "paths": {
        "/pets": {
            "get": {"summary": "List pets", "responses": {"200": {
                "description": "ok", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
            "post": {"summary": "Add a pet", "responses": {"201": {"description": "made"}}},
        },
        "/pets/{id}": {
            "get": {"summary": "One pet", "responses": {
                "200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Pet"}}}},
                "404": {"description": "none", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["detail"],
                    "properties": {"detail": {"type": "string"}}}}}},
            }},
        },
    },
    "components": {"schemas": {"Pet": {
        "type": "object", "required": ["id", "name"], "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "tags": {"type": "array", "items": {"type": "string"}}},
    }}},
}  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def pets_text() -> str:
    return json.dumps(PETS)


@pytest.fixture
def schema(team, alice, pets_text):
    return actions.register_schema(team=team, user=alice, document=pets_text)


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Frontend integration", team=team)
