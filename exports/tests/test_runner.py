"""Writing exports: what each kind and format holds, one file however often the task runs,
access checked again when it runs, the sweep and the prune."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Membership
from boards import actions as board_actions
from exports import formats, runner, tasks
from exports.models import Export
from exports.tests.conftest import start, stored_files


def _written(export: Export) -> str:
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    with default_storage.open(export.file.name, "rb") as handle:
        return handle.read().decode()


def test_a_board_as_markdown_is_its_write_up(bob, board, cards):
    export = start(bob, board=board)
    assert export.status == Export.Status.PENDING
    assert runner.run(export.pk) is True
    text = _written(export)
    assert text.startswith("# Real-world challenges\n\n## Challenge\n\n### =HYPERLINK")
    assert "## Investigating\n\n_No cards._" in text
    assert "## Solved\n\n### Slow API\n\nTags: PostgreSQL\n\n**Problem**\n\nLists take 2 s" in text
    export.refresh_from_db()
    assert (export.progress, export.items_done, export.items_total) == (100, 2, 2)
    assert export.size == len(text.encode())


def test_a_board_as_json_is_the_document_the_api_answers(bob, board, cards):
    export = start(bob, board=board, format="json")
    runner.run(export.pk)
    assert json.loads(_written(export)) == json.loads(json.dumps(formats.board_as_data(board)))


def test_a_board_as_csv_is_a_row_a_card_and_runs_no_formula(bob, board, cards):
    export = start(bob, board=board, format="csv")
    runner.run(export.pk)
    rows = list(csv.reader(io.StringIO(_written(export))))
    assert rows[0] == formats.CSV_HEADER
    by_title = {row[2]: row for row in rows[1:]}
    assert set(by_title) == {"Slow API", '\'=HYPERLINK("http://evil")'}
    slow = by_title["Slow API"]
    assert (slow[1], slow[5], slow[7]) == ("Solved", "PostgreSQL", "Bob")


def test_a_board_larger_than_a_chunk_is_written_whole_and_in_order(bob, alice, board, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 7)
    for n in range(30):
        board_actions.create_card(board=board, user=alice, title=f"card {n:02}")
    export = start(bob, board=board, format="json")
    runner.run(export.pk)
    titles = [card["title"] for card in json.loads(_written(export))["cards"]]
    assert titles == [f"card {n:02}" for n in range(30)]


def test_a_rooms_history_has_replies_and_no_deleted_message(bob, room):
    export = start(bob, kind="room", room=room)
    runner.run(export.pk)
    text = _written(export)
    assert text.startswith("# #help\n")
    assert "Why does &lt;b>Celery&lt;/b> retry?" in text and "<b>" not in text
    assert "**Bob** ·" in text and "reply to #1" in text
    assert "oops" not in text
    export = start(bob, kind="room", room=room, format="json")
    runner.run(export.pk)
    data = json.loads(_written(export))
    assert [(m["seq"], m["parent_seq"], m["body"]) for m in data["messages"]] == [
        (1, None, "Why does <b>Celery</b> retry?"),
        (2, 1, "acks_late"),
    ]


def test_a_portfolio_holds_my_solved_cards_only(bob, alice, board, cards):
    board_actions.create_card(board=board, user=alice, title="Not solved yet", assignees=[bob.pk])
    export = start(bob, kind="portfolio")
    runner.run(export.pk)
    text = _written(export)
    assert text.startswith("# Bob: solved challenges")
    assert "## Slow API" in text and "Board: Real-world challenges" in text
    assert "Not solved yet" not in text and "HYPERLINK" not in text
    assert "Slow API" not in _written(_run(start(alice, kind="portfolio")))  # bob's, not hers


def _run(export: Export) -> Export:
    runner.run(export.pk)
    return export


def test_running_the_task_twice_makes_one_file(bob, board, cards):
    export = start(bob, board=board)
    tasks.build.run(export.pk)
    first = Export.objects.get(pk=export.pk)
    tasks.build.run(export.pk)  # a redelivered message (acks_late), a sweep: nothing again
    again = Export.objects.get(pk=export.pk)
    assert (again.file.name, again.finished_at) == (first.file.name, first.finished_at)
    assert len(stored_files()) == 1


def test_a_run_that_was_taken_over_keeps_nothing(bob, board, cards):
    export = start(bob, board=board)
    stalled, token = runner.take(export.pk)  # a worker that then stopped answering
    assert runner.take(export.pk) is None  # its lease holds: nobody else takes it
    Export.objects.filter(pk=export.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert runner.run(export.pk) is True  # the sweep queued it again: another run writes it
    with pytest.raises(runner.LeaseLost):  # the first one wakes up: it may not go on
        runner._progress(stalled, token, 1, 2)
    assert len(stored_files()) == 1


def test_an_export_whose_runs_all_died_fails(bob, board):
    export = start(bob, board=board)
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, attempts=runner.MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    assert runner.run(export.pk) is False
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "stopped halfway" in export.error


def test_access_is_checked_again_when_it_runs(bob, board, cards):
    export = start(bob, board=board)
    Membership.objects.filter(user=bob).delete()  # removed from the team meanwhile
    assert runner.run(export.pk) is False
    export.refresh_from_db()
    assert (export.status, export.error) == (Export.Status.FAILED, "You can no longer see it.")
    assert not export.file and stored_files() == []


def test_a_failure_is_logged_and_said(bob, board, cards, monkeypatch, caplog):
    def broken(board):
        yield "# start", 0
        raise RuntimeError("disk full")

    monkeypatch.setattr(formats, "board_markdown", broken)
    export = start(bob, board=board)
    assert runner.run(export.pk) is False
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "went wrong" in export.error
    assert f"export {export.pk} (board md) failed" in caplog.text


def test_the_sweep_queues_what_a_lost_task_left(bob, board, monkeypatch):
    waiting, _just_asked, stale = (start(bob, board=board) for _ in range(3))
    long_ago = timezone.now() - timedelta(minutes=1)
    Export.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    Export.objects.filter(pk=stale.pk).update(status="running", lease_until=long_ago)
    queued = []
    monkeypatch.setattr(tasks, "queue", lambda task, export_id: queued.append(export_id))
    tasks.sweep.run()
    assert sorted(queued) == sorted([waiting.pk, stale.pk])  # not the one just asked for


def test_expired_exports_are_pruned_with_their_files(bob, board, cards):
    old, kept = start(bob, board=board), start(bob, board=board, format="json")
    runner.run(old.pk)
    runner.run(kept.pk)
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    tasks.prune.run()
    assert list(Export.objects.values_list("pk", flat=True)) == [kept.pk]
    assert [path.name for path in stored_files()] == [Export.objects.get().file.name.split("/")[-1]]
