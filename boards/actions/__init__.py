"""Every write to boards, columns and cards, one module per domain, each check → write (with
its activity record) → notify after commit. Callers import from here."""

from boards.actions.boards import (
    BOARD_NAME_MAX,
    COLUMN_NAME_MAX,
    add_column,
    create_board,
    move_column,
    remove_column,
    rename_column,
)
from boards.actions.cards import (
    CONFLICT_MARK,
    EDITABLE,
    TAG_MAX,
    TAGS_MAX,
    TEXT_FIELDS,
    TEXT_MAX,
    TITLE_MAX,
    CardEdit,
    EditConflict,
    archive_card,
    create_card,
    move_card,
    update_card,
)
from boards.actions.challenges import Promoted, promote_message
from boards.actions.comments import COMMENT_MAX, add_comment, delete_comment, edit_comment
from boards.actions.editing import send_editing
from boards.actions.labels import LABEL_NAME_MAX, create_label, remove_label

__all__ = [
    "BOARD_NAME_MAX",
    "COLUMN_NAME_MAX",
    "COMMENT_MAX",
    "CONFLICT_MARK",
    "EDITABLE",
    "LABEL_NAME_MAX",
    "TAGS_MAX",
    "TAG_MAX",
    "TEXT_FIELDS",
    "TEXT_MAX",
    "TITLE_MAX",
    "CardEdit",
    "EditConflict",
    "Promoted",
    "add_column",
    "add_comment",
    "archive_card",
    "create_board",
    "create_card",
    "create_label",
    "delete_comment",
    "edit_comment",
    "move_card",
    "move_column",
    "promote_message",
    "remove_column",
    "remove_label",
    "rename_column",
    "send_editing",
    "update_card",
]
