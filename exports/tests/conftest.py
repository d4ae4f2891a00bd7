"""Exports' test material: the team's private board with cards, a room with a conversation,
and the embedded default's way of running tasks (at once) for tests that want it."""

from pathlib import Path

import pytest
from django.conf import settings

from boards import actions as board_actions
from chat import actions as chat_actions
from exports import actions
from nexus_live.celery import app


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test's files in a folder of its own: what a test stored is all there is."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def board(team, alice):
    return board_actions.create_board(user=alice, name="Real-world challenges", team=team)


@pytest.fixture
def cards(board, alice, bob):
    solved = board.columns.last()
    made = [
        board_actions.create_card(
            board=board, user=alice, title="Slow API", problem="Lists take 2 s",
            solution="An index on (room, seq).", tags=["PostgreSQL"], assignees=[bob.pk],
            column=solved,
        ),
        board_actions.create_card(
            board=board, user=alice, title="=HYPERLINK(\"http://evil\")", problem="formula",
        ),
    ]  # fmt: skip
    return made


@pytest.fixture
def room(team, alice, bob):
    room = chat_actions.create_room(user=alice, name="help", team=team, is_private=True)
    question = chat_actions.post_message(
        room=room, author=alice, body="Why does <b>Celery</b> retry?", client_id="c1"
    ).message
    chat_actions.post_message(
        room=room, author=bob, body="acks_late", client_id="c2", parent=question
    )
    gone = chat_actions.post_message(room=room, author=bob, body="oops", client_id="c3")
    chat_actions.delete_message(message=gone.message, user=bob)
    return room


@pytest.fixture
def eager():
    """Tasks run where they are queued, as in the embedded default (no broker)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def start(user, kind="board", format="md", **target):
    return actions.start_export(user=user, kind=kind, format=format, **target)


def stored_files() -> list[Path]:
    files = (Path(settings.MEDIA_ROOT) / "exports").rglob("*")
    return sorted(path for path in files if path.is_file())
