"""Creating boards and changing their columns; what every board write shares: the board's next
event under its row lock, the activity record, the permission to edit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max

from accounts import policies
from accounts.models import Team, User
from boards import events as board_events
from boards.models import DEFAULT_COLUMNS, Activity, Board, Card, Column
from nexus_live import events
from nexus_live.text import one_line

COLUMN_NAME_MAX, BOARD_NAME_MAX = 60, 120
GAP = 1024.0  # spacing of positions after a renumbering


def require_edit(user: User, board: Board) -> None:
    if not policies.can_edit_board(user, board):
        raise PermissionDenied("You can read this board but not change it.")


def next_event(board: Board) -> int:
    """Take the board's next event. The board row stays locked until the transaction ends, so
    writes to one board are applied one at a time, in event order, on every server process."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE boards_board SET last_event = last_event + 1 WHERE id = %s "
            "RETURNING last_event",
            [board.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError("This board no longer exists.")
    return row[0]


def log(board: Board, user: User, verb: str, event: int, card: Card | None = None, **changes):
    Activity.objects.create(
        board=board, card=card, actor=user, verb=verb, changes=changes, event=event
    )


def publish(board: Board | int, text: str) -> None:
    events.publish_on_commit(board_events.board_group(board), events.forward(text))


def _columns_changed(board: Board, event: int) -> None:
    publish(board, board_events.board_frame(board, event))


def _clean_name(name: object, limit: int, what: str) -> str:
    name = one_line(name, f"A {what} name")
    if not name:
        raise ValidationError(f"A {what} needs a name.")
    if len(name) > limit:
        raise ValidationError(f"A {what} name is at most {limit} characters.")
    return name


def _require_free_name(board: Board, name: str, column: Column | None = None) -> None:
    """Column names are unique per board, ignoring case (checked under the board's lock; the
    database's constraint backs it)."""
    taken = board.columns.filter(name__iexact=name)
    if column is not None:
        taken = taken.exclude(pk=column.pk)
    if existing := taken.first():
        raise ValidationError(f"This board already has a column named “{existing.name}”.")


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
        log(board, user, "created the board", next_event(board), name=[None, name])
    return board


def add_column(*, board: Board, user: User, name: object) -> Column:
    require_edit(user, board)
    name = _clean_name(name, COLUMN_NAME_MAX, "column")
    with transaction.atomic():
        event = next_event(board)
        _require_free_name(board, name)
        last = board.columns.aggregate(last=Max("position"))["last"] or 0
        column = Column.objects.create(board=board, name=name, position=last + GAP)
        log(board, user, "added a column", event, name=[None, name])
        _columns_changed(board, event)
    return column


def rename_column(*, column: Column, user: User, name: object) -> Column:
    board = column.board
    require_edit(user, board)
    name = _clean_name(name, COLUMN_NAME_MAX, "column")
    with transaction.atomic():
        event = next_event(board)
        _require_free_name(board, name, column)
        before = Column.objects.get(pk=column.pk).name
        Column.objects.filter(pk=column.pk).update(name=name)
        column.name = name
        log(board, user, "renamed a column", event, name=[before, name])
        _columns_changed(board, event)
    return column


def move_column(*, column: Column, user: User, offset: int) -> None:
    """Move a column left (-1) or right (+1) among its board's columns."""
    board = column.board
    require_edit(user, board)
    if offset not in (-1, 1):
        raise ValidationError("A column moves one place left or right.")
    with transaction.atomic():
        event = next_event(board)
        columns = list(board.columns.all())
        index = next(i for i, c in enumerate(columns) if c.pk == column.pk)
        target = index + offset
        if not 0 <= target < len(columns):
            raise ValidationError("This column is already at that end.")
        columns[index], columns[target] = columns[target], columns[index]
        for i, each in enumerate(columns):
            Column.objects.filter(pk=each.pk).update(position=(i + 1) * GAP)
        log(board, user, "moved a column", event, name=[column.name, column.name])
        _columns_changed(board, event)


def remove_column(*, column: Column, user: User, move_to: Column | None = None) -> None:
    """A column with cards asks where they go: `move_to`, another column of the same board.
    Removing is for the board's owners (team owners or its creator)."""
    board = column.board
    if not policies.can_manage_space(user, board):
        raise PermissionDenied("Only the board's owners can remove columns.")
    with transaction.atomic():
        event = next_event(board)
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
                    column=move_to, position=last + (i + 1) * GAP, event=event
                )
        if board.columns.count() == 1:
            raise ValidationError("A board keeps at least one column.")
        Column.objects.filter(pk=column.pk).delete()
        log(board, user, "removed a column", event, name=[column.name, None])
        _columns_changed(board, event)
