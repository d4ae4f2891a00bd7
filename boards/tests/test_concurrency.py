"""20 editors make 50 edits each to one card, in parallel: no edit is lost.

Each editor owns one line of the solution and rewrites it 50 times, each time from the version
it last read — often stale, because 19 others write meanwhile. The same run with the version
check off (the naive read-then-write, written here) must lose edits: proof that this test
can see one.
"""

import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import OperationalError, connection
from django.db.models import F

from boards import actions
from boards.models import Card

EDITORS, EDITS = 20, 50
ATTEMPTS = 6  # a deadlock or a dropped connection: try again, a little later each time
REFUSALS_TOLERATED = EDITORS * EDITS // 50  # 2 %: a loaded machine may refuse a few, honestly

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


@dataclass
class Outcome:
    """What the editors were told: each acknowledged edit, and the edits refused (the write
    raised every time it was tried: nothing of it may be in the card)."""

    last_acknowledged: dict[int, int] = field(default_factory=dict)  # editor -> its last k
    acknowledged: int = 0
    refused: int = 0


def _run_editors(
    card_id: int, people, *, write=actions.update_card, editors: int = EDITORS, edits: int = EDITS
) -> Outcome:
    outcome, errors, lock = Outcome(), [], threading.Lock()

    def editor(index: int, person) -> None:
        try:
            for k in range(edits):
                for attempt in range(ATTEMPTS):
                    try:
                        card = Card.objects.select_related("board").get(pk=card_id)
                        lines = _lines(card.solution)
                        lines[2 * index + 1] = f"editor {index} edit {k}"
                        write(
                            card=card, user=person, base_version=card.version,
                            changes={"solution": "\n".join(lines) + "\n"},
                        )  # fmt: skip
                    except OperationalError:
                        connection.close()
                        time.sleep(0.05 * 2**attempt)
                        continue
                    finally:
                        connection.close()  # back to the pool, as at the end of a request
                    with lock:
                        outcome.acknowledged += 1
                        outcome.last_acknowledged[index] = k
                    break
                else:
                    with lock:
                        outcome.refused += 1
        except Exception as exc:  # reported by the test, a thread cannot fail it
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=editor, args=(i, people[i % len(people)])) for i in range(editors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert outcome.acknowledged + outcome.refused == editors * edits
    return outcome


@pytest.fixture
def pool_for_every_editor(transactional_db):
    """psycopg's pool with a connection for each editor thread and this one, as
    DATABASE_POOL_SIZE sizes it for a process with that many threads: writes then queue on the
    card's lock (no timeout), not for a pooled connection (a 10 s timeout, which 15 waiting
    threads on a loaded machine reached: refused writes)."""
    options = connection.settings_dict["OPTIONS"].get("pool")
    if not options:
        yield
        return
    saved = dict(options)
    connection.close()
    connection.close_pool()
    options["max_size"] = EDITORS + 1
    yield
    connection.close()
    connection.close_pool()
    options.clear()
    options.update(saved)


@pytest.fixture
def shared_card(board, alice):
    text = "".join(f"== section {i} ==\neditor {i} has not started\n" for i in range(EDITORS))
    return actions.create_card(board=board, user=alice, title="Shared", solution=text)


def _lost_edits(card_id: int, outcome: Outcome) -> list[int]:
    """Editors whose last acknowledged edit is not what the card says (an editor none of
    whose edits was acknowledged must still have its starting line)."""
    lines = _lines(Card.objects.get(pk=card_id).solution)
    expected = {
        i: f"editor {i} edit {outcome.last_acknowledged[i]}"
        if i in outcome.last_acknowledged
        else f"editor {i} has not started"
        for i in range(EDITORS)
    }
    return [i for i in range(EDITORS) if lines[2 * i + 1] != expected[i]]


def test_twenty_editors_lose_nothing(pool_for_every_editor, shared_card, alice, bob):
    outcome = _run_editors(shared_card.pk, [alice, bob])
    card = Card.objects.get(pk=shared_card.pk)
    assert _lost_edits(card.pk, outcome) == []
    # Every acknowledged edit is one version, and a refused one none (nothing half-written).
    assert card.version == outcome.acknowledged + 1
    assert card.revisions.count() == outcome.acknowledged + 1
    assert not card.has_conflict
    assert outcome.refused <= REFUSALS_TOLERATED, f"{outcome.refused} edits refused"


def test_a_refused_edit_is_counted_apart_and_leaves_nothing(
    pool_for_every_editor, shared_card, alice, bob
):
    """A write that fails every time it is tried (no pooled connection in time, say) is a
    refusal the editor is told of, not an acknowledged edit: nothing of it is in the card,
    and the edits acknowledged around it all are."""
    refused = {"editor 0 edit 4", "editor 1 edit 2"}  # editor 0's last one; one of editor 1's

    def refuse_two(**kwargs) -> None:
        lines = _lines(kwargs["changes"]["solution"])  # (a line never saved: only its editor's)
        if refused & {lines[1], lines[3]}:
            raise OperationalError("couldn't get a connection after 10.00 sec")
        actions.update_card(**kwargs)

    outcome = _run_editors(shared_card.pk, [alice, bob], write=refuse_two, editors=4, edits=5)
    card = Card.objects.get(pk=shared_card.pk)
    assert outcome.refused == 2
    assert outcome.acknowledged == 4 * 5 - 2
    assert outcome.last_acknowledged[0] == 3
    assert _lost_edits(card.pk, outcome) == []
    assert card.version == outcome.acknowledged + 1


def test_without_the_version_check_edits_are_lost(shared_card, alice, bob):
    """The naive read-then-write: this is what the test above would catch."""
    outcome = _run_editors(shared_card.pk, [alice, bob], write=_naive_write)
    assert _lost_edits(shared_card.pk, outcome) != []
