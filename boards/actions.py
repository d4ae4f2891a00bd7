"""Every write to boards, columns and cards: check, validate, write atomically with its activity
record, broadcast after commit. A card edit names the version it started from; if the card moved
on since, the edit is merged three ways with what happened in between — never overwritten.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts import policies
from accounts.models import Team, User
from boards.merge import merge_fields
from boards.models import DEFAULT_COLUMNS, Activity, Board, Card, CardRevision, Column, Tag
from nexus_live.broadcast import broadcast_on_commit
from nexus_live.text import one_line, plain_text

TITLE_MAX = 200
TEXT_MAX = {"problem": 20_000, "solution": 20_000, "links": 4_000, "checklist": 8_000}
TAGS_MAX, TAG_MAX = 12, 40
COLUMN_NAME_MAX, BOARD_NAME_MAX = 60, 120
LINE_FIELDS, TEXT_FIELDS, SET_FIELDS = {"title"}, set(TEXT_MAX), {"tags", "assignees"}
EDITABLE = LINE_FIELDS | TEXT_FIELDS | SET_FIELDS
CONFLICT_MARK = "<<<<<<< their version"
GAP = 1024.0  # spacing of positions after a renumbering


@dataclass(frozen=True)
class CardEdit:
    card: Card
    version: int
    merged: bool = False  # the edit started from an older version and was merged
    conflicts: list[str] = field(default_factory=list)


def board_group(board: Board | int) -> str:
    return f"board-{getattr(board, 'pk', board)}"


def _require_edit(user: User, board: Board) -> None:
    if not policies.can_edit_board(user, board):
        raise PermissionDenied("You can read this board but not change it.")


def _next_seq(board: Board) -> int:
    """Take the board's next seq. The board row stays locked until the transaction ends, so
    writes to one board are applied one at a time, in seq order, on every server process."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE boards_board SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
            [board.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError("This board no longer exists.")
    return row[0]


# --- Rendering and events ---------------------------------------------------------------------


def render_card(card: Card) -> str:
    return render_to_string("boards/board.html#card", {"card": card, "board": card.board})


def _card_for_render(card_id: int) -> Card:
    return (
        Card.objects.select_related("board", "column")
        .prefetch_related("tags", "assignees")
        .get(pk=card_id)
    )


def column_order(column_ids: set[int]) -> dict[str, list[int]]:
    order: dict[str, list[int]] = {str(pk): [] for pk in column_ids}
    live = Card.objects.filter(column_id__in=column_ids, archived_at__isnull=True)
    for column_id, card_id in live.order_by("position", "pk").values_list("column_id", "pk"):
        order[str(column_id)].append(card_id)
    return order


def _broadcast_card(
    card: Card | int, seq: int, by: User, *, columns: set[int] | None = None
) -> None:
    """Rendered once after the write, sent to every viewer of the board as it is. Given a
    Card, it must be current, with its column, tags and assignees loaded."""
    if not isinstance(card, Card):
        card = _card_for_render(card)
    order = column_order(columns) if columns else None
    frame = card_frame(card, seq, by=by.name, order=order)
    broadcast_on_commit(board_group(card.board_id), {"type": "board.changed", "frame": frame})


def card_frame(card: Card, seq: int, *, by: str | None = None, order=None) -> str:
    """The JSON frame of a card as every socket forwards it (the same after a write and in a
    catch-up); `order` lists the cards of the columns a move touched."""
    frame = {
        "type": "card",
        "seq": seq,
        "id": card.pk,
        "version": card.version,
        "column": card.column_id,
        "archived": card.archived_at is not None,
        "html": render_card(card),
    }
    if by is not None:
        frame["by"] = by
    if order:
        frame["order"] = order
    return json.dumps(frame)


def board_frame(board: Board, seq: int) -> str:
    """The board's columns, whole: sent when columns change (open editors live outside them)."""
    html = render_to_string("boards/board.html#columns", board_context(board))
    return json.dumps({"type": "board", "seq": seq, "html": html})


def _broadcast_board(board: Board, seq: int) -> None:
    frame = board_frame(board, seq)
    broadcast_on_commit(board_group(board), {"type": "board.changed", "frame": frame})


CARD_CACHE_SECONDS = 24 * 3600


def _card_key(card: Card) -> str:
    # changed_seq moves with every write to the card (edit, move, archive): a new key each time.
    return f"card-html:{card.pk}:{card.changed_seq}:{card.version}"


def card_tiles(board: Board, cards: list[Card]) -> None:
    """Give each card its rendered tile (`card.html`), from the cache where it is fresh; only
    the others are rendered, with their tags and assignees fetched in two queries."""
    cached = cache.get_many([_card_key(card) for card in cards])
    missing = [card for card in cards if _card_key(card) not in cached]
    prefetch_related_objects(missing, "tags", "assignees")
    fresh = {}
    for card in cards:
        card.board = board
        html = cached.get(_card_key(card))
        if html is None:
            html = fresh[_card_key(card)] = render_card(card)
        card.html = mark_safe(html)  # noqa: S308 (rendered by our autoescaped template)
    cache.set_many(fresh, CARD_CACHE_SECONDS)


def board_context(board: Board, cards=None) -> dict[str, object]:
    """What rendering a board's columns needs, in a fixed number of queries."""
    if cards is None:
        cards = board.cards.filter(archived_at__isnull=True)
    cards = list(cards.select_related("column").order_by("position", "pk"))
    card_tiles(board, cards)
    columns = list(board.columns.all())
    by_column: dict[int, list[Card]] = {column.pk: [] for column in columns}
    for card in cards:
        by_column.setdefault(card.column_id, []).append(card)
    for column in columns:
        column.card_list = by_column[column.pk]
    return {"board": board, "columns": columns}


def _log(
    board: Board, user: User, verb: str, seq: int, card: Card | None = None, **changes
) -> None:
    Activity.objects.create(board=board, card=card, actor=user, verb=verb, changes=changes, seq=seq)


# --- Boards and columns -----------------------------------------------------------------------


def _clean_name(name: object, limit: int, what: str) -> str:
    name = one_line(name, f"A {what} name")
    if not name:
        raise ValidationError(f"A {what} needs a name.")
    if len(name) > limit:
        raise ValidationError(f"A {what} name is at most {limit} characters.")
    return name


def create_board(
    *, user: User, name: object, team: Team | None = None, public: bool = False
) -> Board:
    """A team's board is edited by its owners and members; read by the team only, or by every
    signed-in person when `public`. A board without a team is its creator's, and public."""
    name = _clean_name(name, BOARD_NAME_MAX, "board")
    if team is not None and not policies.can_contribute(user, team):
        raise PermissionDenied("Only the team's owners and members can add boards to it.")
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to create a board.")
    with transaction.atomic():
        board = Board.objects.create(
            name=name, team=team, is_private=team is not None and not public, created_by=user
        )
        for i, column in enumerate(DEFAULT_COLUMNS):
            Column.objects.create(board=board, name=column, position=(i + 1) * GAP)
        _log(board, user, "created the board", _next_seq(board), name=[None, name])
    return board


def add_column(*, board: Board, user: User, name: object) -> Column:
    _require_edit(user, board)
    name = _clean_name(name, COLUMN_NAME_MAX, "column")
    with transaction.atomic():
        seq = _next_seq(board)
        last = board.columns.aggregate(last=Max("position"))["last"] or 0
        column = Column.objects.create(board=board, name=name, position=last + GAP)
        _log(board, user, "added a column", seq, name=[None, name])
        _broadcast_board(board, seq)
    return column


def rename_column(*, column: Column, user: User, name: object) -> Column:
    board = column.board
    _require_edit(user, board)
    name = _clean_name(name, COLUMN_NAME_MAX, "column")
    with transaction.atomic():
        seq = _next_seq(board)
        before = Column.objects.get(pk=column.pk).name
        Column.objects.filter(pk=column.pk).update(name=name)
        column.name = name
        _log(board, user, "renamed a column", seq, name=[before, name])
        _broadcast_board(board, seq)
    return column


def move_column(*, column: Column, user: User, offset: int) -> None:
    """Move a column left (-1) or right (+1) among its board's columns."""
    board = column.board
    _require_edit(user, board)
    if offset not in (-1, 1):
        raise ValidationError("A column moves one place left or right.")
    with transaction.atomic():
        seq = _next_seq(board)
        columns = list(board.columns.all())
        index = next(i for i, c in enumerate(columns) if c.pk == column.pk)
        target = index + offset
        if not 0 <= target < len(columns):
            raise ValidationError("This column is already at that end.")
        columns[index], columns[target] = columns[target], columns[index]
        for i, each in enumerate(columns):
            Column.objects.filter(pk=each.pk).update(position=(i + 1) * GAP)
        _log(board, user, "moved a column", seq, name=[column.name, column.name])
        _broadcast_board(board, seq)


def remove_column(*, column: Column, user: User, move_to: Column | None = None) -> None:
    """A column with cards asks where they go: `move_to`, another column of the same board.
    Removing is for the board's owners (team owners or its creator)."""
    board = column.board
    if not policies.can_manage_space(user, board):
        raise PermissionDenied("Only the board's owners can remove columns.")
    with transaction.atomic():
        seq = _next_seq(board)
        cards = list(Card.objects.filter(column=column).order_by("position", "pk"))
        if cards:
            if move_to is None:
                raise ValidationError(
                    f"“{column.name}” holds {len(cards)} card(s): choose where they go."
                )
            if move_to.board_id != board.pk or move_to.pk == column.pk:
                raise ValidationError("Move the cards to another column of this board.")
            last = move_to.cards.aggregate(last=Max("position"))["last"] or 0
            for i, card in enumerate(cards):
                Card.objects.filter(pk=card.pk).update(
                    column=move_to, position=last + (i + 1) * GAP, changed_seq=seq
                )
        if board.columns.count() == 1:
            raise ValidationError("A board keeps at least one column.")
        Column.objects.filter(pk=column.pk).delete()
        _log(board, user, "removed a column", seq, name=[column.name, None])
        _broadcast_board(board, seq)


# --- Cards ------------------------------------------------------------------------------------


def snapshot(card: Card) -> dict:
    """The editable fields of a card as plain data: what revisions store and merges compare."""
    return {
        "title": card.title,
        "problem": card.problem,
        "solution": card.solution,
        "links": card.links,
        "checklist": card.checklist,
        "tags": sorted(tag.name for tag in card.tags.all()),
        "assignees": sorted(person.pk for person in card.assignees.all()),
    }


def _clean_changes(board: Board, changes: object) -> dict:
    if not isinstance(changes, dict) or not changes:
        raise ValidationError("Say which fields change.")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(map(str, unknown)))[:200]}.")
    clean: dict = {}
    for name, value in changes.items():
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
    people = User.objects.filter(pk__in=set(value), is_active=True)
    allowed = sorted(person.pk for person in people if policies.can_view_space(person, board))
    if len(allowed) != len(set(value)):
        raise ValidationError("Assign only people who can see this board.")
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


def create_card(
    *, board: Board, user: User, column: Column | None = None, title: object, **fields: object
) -> Card:
    _require_edit(user, board)
    column = column or board.columns.first()
    if column is None or column.board_id != board.pk:
        raise ValidationError("Add the card to a column of this board.")
    values = _clean_changes(board, {"title": title, **fields})
    with transaction.atomic():
        seq = _next_seq(board)
        last = Card.objects.filter(column=column).aggregate(last=Max("position"))["last"] or 0
        plain = {k: v for k, v in values.items() if k not in SET_FIELDS}
        card = Card.objects.create(
            board=board, column=column, position=last + GAP, changed_seq=seq,
            created_by=user, updated_by=user, **plain,
        )  # fmt: skip
        _apply(card, values)
        state = snapshot(card)
        CardRevision.objects.create(card=card, version=1, snapshot=state, author=user)
        _log(board, user, "added a card", seq, card=card, title=[None, card.title])
        _broadcast_card(card.pk, seq, user, columns={column.pk})
    return card


def update_card(
    *, card: Card, user: User, base_version: object, changes: object, check_version: bool = True
) -> CardEdit:
    """Apply `changes` made on `base_version`. If the card moved on since, merge three ways
    (base, theirs, mine). `check_version=False` is the naive read-then-write every tracker
    that loses edits does; only tests use it, to prove they can see a lost update."""
    board = card.board
    _require_edit(user, board)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1:
        raise ValidationError("Say which version of the card the edit started from.")
    mine = _clean_changes(board, changes)
    with transaction.atomic():
        seq = _next_seq(board)
        current = (
            Card.objects.select_related("board", "column")
            .prefetch_related("tags", "assignees")
            .get(pk=card.pk)
        )
        if current.archived_at is not None:
            raise ValidationError("This card is archived: restore it first.")
        if base_version > current.version:
            raise ValidationError(
                f"Version {base_version} of this card does not exist yet "
                f"(it is at {current.version})."
            )
        theirs = snapshot(current)
        base = (
            theirs
            if base_version == current.version
            else CardRevision.objects.get(card=current, version=base_version).snapshot
        )
        conflicts: list[str] = []
        if not check_version:
            merged = {**base, **mine}
        elif base_version == current.version:
            merged = {**theirs, **mine}
        else:
            merged, conflicts = merge_fields(
                base, mine, theirs, lines=LINE_FIELDS, text=TEXT_FIELDS, sets=SET_FIELDS
            )
            merged = {k: sorted(v) if k in SET_FIELDS else v for k, v in merged.items()}
            if len(merged["title"]) > TITLE_MAX:
                # Both titles do not fit side by side: keep theirs as the title and mine where
                # the person resolving will see it, so neither is lost.
                merged["title"] = theirs["title"]
                note = f"{CONFLICT_MARK}\nYour title: {mine['title']}\n>>>>>>> your version\n"
                merged["problem"] = note + merged["problem"]
        changed = {k for k in EDITABLE if merged[k] != theirs[k]}
        if not changed:  # nothing new; still one frame per seq, so viewers see no gap
            _broadcast_card(current.pk, seq, user)
            return CardEdit(current, current.version, merged=base_version != current.version)
        new_version = current.version + 1
        plain = {k: merged[k] for k in changed if k not in SET_FIELDS}
        guard = {"version": current.version} if check_version else {}
        has_conflict = any(CONFLICT_MARK in merged[k] for k in TEXT_FIELDS) or "title" in conflicts
        written = Card.objects.filter(pk=current.pk, **guard).update(
            **plain,
            version=new_version if check_version else F("version") + 1,
            changed_seq=seq,
            updated_by=user,
            updated_at=timezone.now(),
            has_conflict=has_conflict,
        )
        if not written:  # cannot happen while the board row is locked; never write blind
            raise ValidationError("The card changed while saving; try again.")
        _apply(current, {k: merged[k] for k in changed if k in SET_FIELDS})
        CardRevision.objects.create(card=current, version=new_version, snapshot=merged, author=user)
        _log(
            board, user, "edited a card", seq, card=current,
            **{k: [theirs[k], merged[k]] for k in sorted(changed)},
        )  # fmt: skip
        if changed & SET_FIELDS:
            _broadcast_card(current.pk, seq, user)  # tags or assignees: read them back
        else:
            for name, value in plain.items():
                setattr(current, name, value)
            current.version, current.changed_seq = new_version, seq
            current.has_conflict = has_conflict
            _broadcast_card(current, seq, user)
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
    one transaction per board, so every viewer converges on the same order."""
    board = card.board
    _require_edit(user, board)
    if column.board_id != board.pk:
        raise ValidationError("Cards move only between columns of their own board.")
    if before is not None and (before.column_id != column.pk or before.pk == card.pk):
        raise ValidationError("Drop the card next to a card of the target column.")
    with transaction.atomic():
        seq = _next_seq(board)
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
        Card.objects.filter(pk=current.pk).update(changed_seq=seq)
        if source != column.pk:
            Card.objects.filter(column=column).update(changed_seq=seq)
        _log(board, user, "moved a card", seq, card=current,
             column=[current.column.name, column.name])  # fmt: skip
        _broadcast_card(current.pk, seq, user, columns={source, column.pk})
    current.refresh_from_db()
    return current


def archive_card(*, card: Card, user: User, archived: bool = True) -> Card:
    board = card.board
    _require_edit(user, board)
    with transaction.atomic():
        seq = _next_seq(board)
        stamp = timezone.now() if archived else None
        Card.objects.filter(pk=card.pk).update(archived_at=stamp, changed_seq=seq)
        verb = "archived a card" if archived else "restored a card"
        _log(board, user, verb, seq, card=card, archived=[not archived, archived])
        _broadcast_card(card.pk, seq, user, columns={card.column_id})
    card.refresh_from_db()
    return card
