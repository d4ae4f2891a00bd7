"""The board socket. Thin: authorise, forward events, hand inbound frames to boards/actions.py.
Connecting, catch-up, presence and frame parsing: nexus_live/sockets.py."""

import json

from django.core.exceptions import ValidationError

from accounts import policies
from accounts.models import User
from boards import actions
from boards.models import Activity, Board, Card, Column
from nexus_live.broadcast import broadcast_now
from nexus_live.sockets import LiveConsumer, as_int
from nexus_live.writes import write

FIELD_LABELS = {
    "title": "Title", "problem": "Problem", "solution": "Solution", "tags": "Tags",
    "assignees": "Assignees", "links": "Links", "checklist": "Checklist",
}  # fmt: skip


def _catch_up_frames(board: Board, since: int) -> list[str]:
    """State, not history: the current form of whatever changed after `since`."""
    board = Board.objects.get(pk=board.pk)
    frames: list[str] = []
    if since < board.last_seq:
        column_change = Activity.objects.filter(board=board, seq__gt=since, card__isnull=True)
        if column_change.exists():
            frames.append(actions.board_frame(board, board.last_seq))
        else:
            changed = Card.objects.filter(board=board, changed_seq__gt=since)
            columns = set(changed.values_list("column_id", flat=True))
            order = actions.column_order(columns) if columns else None
            for card in changed.select_related("column").prefetch_related("tags", "assignees"):
                card.board = board
                frames.append(actions.card_frame(card, card.changed_seq, order=order))
    frames.append(json.dumps({"type": "synced", "last_event": board.last_seq}))
    return frames


class BoardConsumer(LiveConsumer):
    kind = "board"
    presence_template = "boards/presence.html"
    person_template = "boards/presence.html#person"
    max_frame = 64 * 1024

    def load_space(self, user: User, *, board_id: int) -> Board | None:
        board = Board.objects.select_related("team").filter(pk=board_id).first()
        if board is None or not policies.can_view_space(user, board):
            return None
        self.may_edit = policies.can_edit_board(user, board)
        return board

    def group_for(self, board: Board) -> str:
        return actions.board_group(board)

    @property
    def board(self) -> Board:
        return self.space_obj

    def catch_up_frames(self, since: int) -> list[str]:
        return _catch_up_frames(self.board, since)

    def latest_event(self) -> int:
        return Board.objects.values_list("last_seq", flat=True).get(pk=self.board.pk)

    def frame_context(self, frame: dict) -> dict[str, object]:
        card = frame.get("card")
        return {"card": card if isinstance(card, int) and not isinstance(card, bool) else None}

    def _card(self, value: object) -> Card:
        return Card.objects.select_related("board", "column").get(
            pk=as_int(value), board=self.board
        )

    async def do_edit(self, frame: dict) -> None:
        edit = await write(self._edit, frame)
        reply = {
            "type": "saved", "card": edit.card.pk, "version": edit.version,
            "merged": edit.merged, "conflicts": edit.conflicts,
        }  # fmt: skip
        await self.send(text_data=json.dumps(reply))

    def _edit(self, frame: dict) -> actions.CardEdit:
        return actions.update_card(
            card=self._card(frame.get("card")), user=self.user,
            base_version=frame.get("version"), changes=frame.get("fields"),
        )  # fmt: skip

    async def do_move(self, frame: dict) -> None:
        await write(self._move, frame)

    def _move(self, frame: dict) -> None:
        card = self._card(frame.get("card"))
        column = Column.objects.get(pk=as_int(frame.get("column")), board=self.board)
        before = frame.get("before")
        before_card = None if before is None else self._card(before)
        actions.move_card(card=card, user=self.user, column=column, before=before_card)

    async def do_editing(self, frame: dict) -> None:
        """Ephemeral: "Ana is editing Solution" on the card, for everyone else."""
        if not self.may_edit:
            return
        field = frame.get("field")
        if field not in FIELD_LABELS:
            raise ValidationError("Unknown field.")
        event = {
            "type": "editing", "card": as_int(frame.get("card")), "user": self.user.pk,
            "name": self.user.name, "field": FIELD_LABELS[field],
        }  # fmt: skip
        await broadcast_now(self.group, {"type": "board.changed", "frame": json.dumps(event)})

    async def board_changed(self, event: dict) -> None:
        await self.send(text_data=event["frame"])
