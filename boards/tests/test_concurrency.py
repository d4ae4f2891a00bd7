"""20 editors make 50 edits each to one card, in parallel: no edit is lost.

Each editor owns one line of the solution and rewrites it 50 times, each time from the version
it last read — often stale, because 19 others write meanwhile. The same run with the version
check off (the naive read-then-write, written here) must lose edits: proof that this test
can see one.
"""

import threading

import pytest
from django.db import OperationalError, connection
from django.db.models import F

from boards import actions
from boards.models import Card

EDITORS, EDITS = 20, 50

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite serialises writers; CI runs this on PostgreSQL",
    ),
]


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _naive_write(*, card: Card, user, base_version: int, changes: dict) -> None:
    """What every tracker that loses edits does: read, change, write back, no version check."""
    Card.objects.filter(pk=card.pk).update(**changes, version=F("version") + 1)


def _run_editors(card_id: int, people, *, write=actions.update_card) -> int:
    """Every editor's writes; returns how many succeeded."""
    successes, errors = [], []

    def editor(index: int, person) -> None:
        try:
            for k in range(EDITS):
                for _attempt in range(5):  # a deadlock or a dropped connection: try again
                    try:
                        card = Card.objects.select_related("board").get(pk=card_id)
                        lines = _lines(card.solution)
                        lines[2 * index + 1] = f"editor {index} edit {k}"
                        write(
                            card=card, user=person, base_version=card.version,
                            changes={"solution": "\n".join(lines) + "\n"},
                        )  # fmt: skip
                        successes.append(1)
                        break
                    except OperationalError:
                        connection.close()
        except Exception as exc:  # reported by the test, a thread cannot fail it
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=editor, args=(i, people[i % len(people)])) for i in range(EDITORS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    return len(successes)


@pytest.fixture
def shared_card(board, alice):
    text = "".join(f"== section {i} ==\neditor {i} has not started\n" for i in range(EDITORS))
    return actions.create_card(board=board, user=alice, title="Shared", solution=text)


def _lost_edits(card_id: int) -> list[int]:
    lines = _lines(Card.objects.get(pk=card_id).solution)
    return [i for i in range(EDITORS) if lines[2 * i + 1] != f"editor {i} edit {EDITS - 1}"]


def test_twenty_editors_lose_nothing(shared_card, alice, bob):
    writes = _run_editors(shared_card.pk, [alice, bob])
    card = Card.objects.get(pk=shared_card.pk)
    assert writes == EDITORS * EDITS
    assert _lost_edits(card.pk) == []
    assert card.version == writes + 1
    assert not card.has_conflict
    assert card.revisions.count() == writes + 1


def test_without_the_version_check_edits_are_lost(shared_card, alice, bob):
    """The naive read-then-write: this is what the test above would catch."""
    _run_editors(shared_card.pk, [alice, bob], write=_naive_write)
    assert _lost_edits(shared_card.pk) != []
