"""Cards: created, edited, moved, archived. An edit names the version it started from; if the
card moved on since, it is merged three ways with what happened in between, never overwritten."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts import policies
from accounts.models import User
from boards import events as board_events
from boards.actions.boards import GAP, log, next_event, publish, require_edit
from boards.merge import MINE_END, THEIRS_START, merge_fields
from boards.models import Board, Card, CardRevision, Column, Tag
from boards.queries import CARD_SOURCE
from nexus_live import metrics
from nexus_live.text import one_line, plain_text
from webhooks import outbox

TITLE_MAX = 200
TEXT_MAX = {"problem": 20_000, "solution": 20_000, "links": 4_000, "checklist": 8_000}
TAGS_MAX, TAG_MAX = 12, 40
LINE_FIELDS, TEXT_FIELDS = {"title", "due"}, set(TEXT_MAX)
SET_FIELDS = {"tags", "assignees", "labels"}
EDITABLE = LINE_FIELDS | TEXT_FIELDS | SET_FIELDS
CONFLICT_MARK = THEIRS_START.rstrip("\n")  # what a text kept from a true overlap holds


@dataclass(frozen=True)
class CardEdit:
    card: Card
    version: int
    merged: bool = False  # the edit started from an older version and was merged
    conflicts: list[str] = field(default_factory=list)


class EditConflict(Exception):
    """An edit that overlaps a change made meanwhile, refused rather than kept marked (what
    API clients ask for): nothing was saved; `card` is the card as it is."""

    def __init__(self, card: Card, fields: list[str]) -> None:
        super().__init__(f"Changed meanwhile at the same place: {', '.join(fields)}.")
        self.card = card
        self.fields = fields


def _card_changed(
    board: Board, card: Card | int, by: User, *, columns: set[int] | None = None
) -> None:
    """Rendered once after the write, sent to every viewer of the board as it is. Given a
    Card, it must be current, with its board, tags and assignees loaded; given an id, it is
    read back (with the order of `columns`, for a move)."""
    if isinstance(card, Card):
        text = board_events.card_frame(card, by=by)
    else:
        text = board_events.changed_card_frame(card, by=by, columns=columns)
    publish(board, text)


def _clean_changes(board: Board, changes: object) -> dict:
    if not isinstance(changes, dict) or not changes:
        raise ValidationError("Say which fields change.")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(map(str, unknown)))[:200]}.")
    clean: dict = {}
    for name, value in changes.items():
        if name == "due":
            clean[name] = _clean_due(value)
            continue
        if name == "labels":
            clean[name] = _clean_labels(board, value)
            continue
        if name in LINE_FIELDS or name in TEXT_FIELDS:
            value = plain_text(value, name.capitalize())
        if name == "title":
            value = " ".join(value.split())
            if not value:
                raise ValidationError("A card needs a title.")
            if len(value) > TITLE_MAX:
                raise ValidationError(
                    f"A title is at most {TITLE_MAX} characters ({len(value):,} given)."
                )
        elif name in TEXT_FIELDS and len(value) > TEXT_MAX[name]:
            raise ValidationError(
                f"{name.capitalize()} is at most {TEXT_MAX[name]:,} characters "
                f"({len(value):,} given)."
            )
        elif name == "links":
            for line in filter(None, map(str.strip, value.splitlines())):
                try:
                    scheme = urlsplit(line).scheme
                except ValueError:
                    scheme = ""
                if scheme not in ("http", "https"):
                    raise ValidationError(f"Links are http or https addresses: {line[:80]}")
        elif name == "tags":
            value = _clean_tags(value)
        elif name == "assignees":
            value = _clean_assignees(board, value)
        clean[name] = value
    return clean


def _clean_due(value: object) -> str:
    """A due date as the snapshot keeps it: "YYYY-MM-DD", or "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValidationError("A due date is a date, YYYY-MM-DD (or empty for none).")


def _clean_labels(board: Board, value: object) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError("Labels are a list of this board's label ids.")
    found = sorted(board.labels.filter(pk__in=set(value)).values_list("pk", flat=True))
    if len(found) != len(set(value)):
        raise ValidationError("Use only this board's labels.")
    return found


def _columns(values: dict) -> dict:
    """Snapshot values as the card's columns take them (the due date: a date or None)."""
    values = dict(values)
    if "due" in values:
        values["due"] = datetime.date.fromisoformat(values["due"]) if values["due"] else None
    return values


def _clean_tags(value: object) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Tags are a list of names.")
    names: dict[str, str] = {}
    for raw in value:
        name = one_line(raw, "A tag").lstrip("#")
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError(f"A tag is at most {TAG_MAX} characters.")
        names.setdefault(name.lower(), name)
    if len(names) > TAGS_MAX:
        raise ValidationError(f"A card has at most {TAGS_MAX} tags.")
    return sorted(names.values(), key=str.lower)


def _clean_assignees(board: Board, value: object) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError("Assignees are a list of people's ids.")
    allowed = sorted(
        policies.assignable_people(board).filter(pk__in=set(value)).values_list("pk", flat=True)
    )
    if len(allowed) != len(set(value)):
        raise ValidationError("Assign only people who work on this board.")
    return allowed


def _apply(card: Card, values: dict) -> None:
    """Set tags and assignees; plain fields were written by the conditional update."""
    if "tags" in values:
        tags = []
        for name in values["tags"]:
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            tags.append(tag)
        card.tags.set(tags)
    if "assignees" in values:
        card.assignees.set(values["assignees"])
    if "labels" in values:
        card.labels.set(values["labels"])


def create_card(
    *, board: Board, user: User, column: Column | None = None, title: object, **fields: object
) -> Card:
    require_edit(user, board)
    column = column or board.columns.first()
    if column is None or column.board_id != board.pk:
        raise ValidationError("Add the card to a column of this board.")
    values = _clean_changes(board, {"title": title, **fields})
    with transaction.atomic():
        return insert_card(board=board, user=user, column=column, values=values)


def insert_card(
    *, board: Board, user: User, column: Column, values: dict, source: object = None
) -> Card:
    """Store a card of checked `values` (inside the caller's transaction, permission checked
    by the caller); `source`: the thread it was promoted from (boards/actions/challenges)."""
    event = next_event(board)
    last = Card.objects.filter(column=column).aggregate(last=Max("position"))["last"] or 0
    plain = _columns({k: v for k, v in values.items() if k not in SET_FIELDS})
    card = Card.objects.create(
        board=board, column=column, position=last + GAP, event=event, source=source,
        created_by=user, updated_by=user, **plain,
    )  # fmt: skip
    _apply(card, values)
    state = card.snapshot()
    CardRevision.objects.create(card=card, version=1, snapshot=state, author=user)
    log(board, user, "added a card", event, card=card, title=[None, card.title])
    metrics.written("card_added")
    _card_changed(board, card.pk, user, columns={column.pk})
    outbox.card_created(card, user)
    return card


def update_card(
    *, card: Card, user: User, base_version: object, changes: object, keep_conflicts: bool = True
) -> CardEdit:
    """Apply `changes` made on `base_version`. If the card moved on since, merge three ways
    (base, theirs, mine). Where both changed the same place, both texts are kept, marked (the
    editor's way), or with `keep_conflicts=False` nothing is saved: EditConflict."""
    board = card.board
    require_edit(user, board)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1:
        raise ValidationError("Say which version of the card the edit started from.")
    mine = _clean_changes(board, changes)
    with transaction.atomic():
        return edit_card(
            card=card, user=user, base_version=base_version, mine=mine,
            keep_conflicts=keep_conflicts,
        )  # fmt: skip


def edit_card(
    *, card: Card, user: User, base_version: int, mine: dict, keep_conflicts: bool = True
) -> CardEdit:
    """The edit itself, of checked changes `mine`, inside the caller's transaction (the
    caller checked who may: update_card, or the thread a card follows)."""
    board = card.board
    event = next_event(board)
    current = (
        Card.objects.select_related("board", "column", *CARD_SOURCE)
        .prefetch_related("tags", "assignees", "labels")
        .get(pk=card.pk)
    )
    if current.archived_at is not None:
        raise ValidationError("This card is archived: restore it first.")
    if base_version > current.version:
        raise ValidationError(
            f"Version {base_version} of this card does not exist yet (it is at {current.version})."
        )
    theirs = current.snapshot()
    base = (
        theirs
        if base_version == current.version
        else CardRevision.objects.get(card=current, version=base_version).snapshot
    )
    conflicts: list[str] = []
    if base_version == current.version:
        merged = {**theirs, **mine}
    else:
        merged, conflicts = merge_fields(
            base, mine, theirs, lines=LINE_FIELDS, text=TEXT_FIELDS, sets=SET_FIELDS
        )
        merged = {k: sorted(v) if k in SET_FIELDS else v for k, v in merged.items()}
        if "due" in conflicts:  # two new dates: a date has no middle, the later save wins
            merged["due"] = mine["due"]
            conflicts.remove("due")
        if conflicts and not keep_conflicts:
            raise EditConflict(current, conflicts)
        if len(merged["title"]) > TITLE_MAX:
            # Both titles do not fit side by side: keep theirs as the title and mine where
            # the person resolving will see it, so neither is lost.
            merged["title"] = theirs["title"]
            note = f"{THEIRS_START}Your title: {mine['title']}\n{MINE_END}"
            merged["problem"] = note + merged["problem"]
    changed = {k for k in EDITABLE if merged[k] != theirs[k]}
    if not changed:  # nothing new; still one frame per event, so viewers see no gap
        Card.objects.filter(pk=current.pk).update(event=event)
        _card_changed(board, current.pk, user)
        return CardEdit(current, current.version, merged=base_version != current.version)
    new_version = current.version + 1
    plain = _columns({k: merged[k] for k in changed if k not in SET_FIELDS})
    has_conflict = any(CONFLICT_MARK in merged[k] for k in TEXT_FIELDS) or "title" in conflicts
    now = timezone.now()
    written = Card.objects.filter(pk=current.pk, version=current.version).update(
        **plain,
        version=new_version,
        event=event,
        updated_by=user,
        updated_at=now,
        has_conflict=has_conflict,
    )
    if not written:  # cannot happen while the board row is locked; never write blind
        raise ValidationError("The card changed while saving; try again.")
    _apply(current, {k: merged[k] for k in changed if k in SET_FIELDS})
    CardRevision.objects.create(card=current, version=new_version, snapshot=merged, author=user)
    metrics.written("card_edited")
    if has_conflict:
        metrics.written("card_conflict_kept")
    logged = {k: [theirs[k], merged[k]] for k in sorted(changed)}
    if "labels" in logged:  # the activity names them: ids would mean nothing to a reader
        names = dict(board.labels.values_list("pk", "name"))
        logged["labels"] = [[names[pk] for pk in ids if pk in names] for ids in logged["labels"]]
    log(board, user, "edited a card", event, card=current, **logged)
    if changed & SET_FIELDS:
        _card_changed(board, current.pk, user)  # tags or assignees: read them back
    else:
        for name, value in plain.items():
            setattr(current, name, value)
        current.version, current.event = new_version, event
        current.has_conflict, current.updated_at, current.updated_by = has_conflict, now, user
        _card_changed(board, current, user)
    return CardEdit(
        current, new_version, merged=base_version != new_version - 1, conflicts=conflicts
    )


def _position_between(column: Column, before: Card | None, moving: Card) -> float | None:
    """A position in `column` just above `before` (at the end when None), or None if there is
    no room left between its neighbours and the column needs renumbering."""
    siblings = Card.objects.filter(column=column).exclude(pk=moving.pk)
    if before is None:
        last = siblings.aggregate(last=Max("position"))["last"]
        return (last or 0) + GAP
    lower = siblings.filter(position__lt=before.position).aggregate(p=Max("position"))["p"]
    if lower is None:
        first = siblings.aggregate(first=Min("position"))["first"]
        return before.position - GAP if first is None or first >= before.position else None
    middle = (lower + before.position) / 2
    return middle if lower < middle < before.position else None


def _renumber(column: Column, moving: Card, before: Card | None) -> None:
    order = list(
        Card.objects.filter(column=column).exclude(pk=moving.pk).order_by("position", "pk")
    )
    index = order.index(before) if before is not None else len(order)
    order.insert(index, moving)
    for i, card in enumerate(order):
        Card.objects.filter(pk=card.pk).update(position=(i + 1) * GAP, column=column)


def move_card(*, card: Card, user: User, column: Column, before: Card | None = None) -> Card:
    """Put `card` in `column`, above `before` (or at the end). Positions are computed here, in
    one transaction per board, so every viewer converges on the same order. A card promoted
    from a thread resolves it on entering the board's last column and reopens it on leaving."""
    from boards.actions import challenges

    board = card.board
    require_edit(user, board)
    if column.board_id != board.pk:
        raise ValidationError("Cards move only between columns of their own board.")
    if before is not None and (before.column_id != column.pk or before.pk == card.pk):
        raise ValidationError("Drop the card next to a card of the target column.")
    with transaction.atomic():
        challenges.lock_thread_room(card)  # a room before a board, always: no deadlock
        current, source = place_card(card=card, user=user, column=column, before=before)
        challenges.thread_follows_card(current, user, source_column=source)
    current.refresh_from_db()
    return current


def place_card(
    *, card: Card, user: User, column: Column, before: Card | None = None
) -> tuple[Card, int]:
    """The move itself, inside the caller's transaction (the caller checked who may): the
    card as it was read under the board's lock, and the column it came from."""
    board = card.board
    event = next_event(board)
    current = Card.objects.get(pk=card.pk)
    if before is not None:
        before = Card.objects.get(pk=before.pk)
        if before.column_id != column.pk:  # it moved meanwhile
            raise ValidationError("That card moved meanwhile; drop the card again.")
    source = current.column_id
    position = _position_between(column, before, current)
    if position is None:
        _renumber(column, current, before)
    else:
        Card.objects.filter(pk=current.pk).update(column=column, position=position)
    Card.objects.filter(pk=current.pk).update(event=event)
    if source != column.pk:
        Card.objects.filter(column=column).update(event=event)
    log(board, user, "moved a card", event, card=current,
        column=[current.column.name, column.name])  # fmt: skip
    _card_changed(board, current.pk, user, columns={source, column.pk})
    metrics.written("card_moved")
    if source != column.pk:
        outbox.card_moved(current, user, source_id=source, target=column)
    return current, source


def archive_card(*, card: Card, user: User, archived: bool = True) -> Card:
    board = card.board
    require_edit(user, board)
    with transaction.atomic():
        event = next_event(board)
        stamp = timezone.now() if archived else None
        Card.objects.filter(pk=card.pk).update(archived_at=stamp, event=event)
        verb = "archived a card" if archived else "restored a card"
        log(board, user, verb, event, card=card, archived=[not archived, archived])
        _card_changed(board, card.pk, user, columns={card.column_id})
    card.refresh_from_db()
    return card
