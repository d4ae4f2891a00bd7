"""The board socket. Thin: authorise, forward events, hand inbound frames to boards/actions.
Connecting, catch-up, presence and frame parsing: nexus_live/sockets.py."""

from accounts import policies
from accounts.models import User
from boards import actions
from boards import events as board_events
from boards.models import Board, Card, Column, Comment
from nexus_live import events
from nexus_live.sockets import SpaceConsumer
from nexus_live.text import as_int
from nexus_live.writes import write


class BoardConsumer(SpaceConsumer):
    kind = "board"
    presence_template = "boards/presence.html"
    person_template = "boards/presence.html#person"
    max_frame = 64 * 1024

    def load_space(self, user: User, *, board_id: int) -> Board | None:
        board = Board.objects.select_related("team").filter(pk=board_id).first()
        if board is None or not policies.can_view_space(user, board):
            return None
        return board

    def group_for(self, board: Board) -> str:
        return board_events.board_group(board)

    @property
    def board(self) -> Board:
        return self.space_obj

    def events_since(self, since: int) -> list[str]:
        return board_events.events_since(self.board, since)

    def latest_event(self) -> int:
        return Board.objects.values_list("last_event", flat=True).get(pk=self.board.pk)

    def frame_context(self, frame: dict) -> dict[str, object]:
        def an_id(value: object) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        context = {"card": an_id(frame.get("card"))}
        if "comment" in frame:
            context["comment"] = an_id(frame.get("comment"))
        return context

    def _card(self, value: object) -> Card:
        return Card.objects.select_related("board", "column").get(
            pk=as_int(value), board=self.board
        )

    async def do_edit(self, frame: dict) -> None:
        edit = await write(self._edit, frame)
        reply = events.frame(
            "saved", card=edit.card.pk, version=edit.version,
            merged=edit.merged, conflicts=edit.conflicts,
        )  # fmt: skip
        await self.send(text_data=reply)

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

    async def do_comment(self, frame: dict) -> None:
        """A comment on a card: broadcast to the board (the sender's page included)."""
        await write(
            lambda: actions.add_comment(
                card=self._card(frame.get("card")), user=self.user, body=frame.get("body")
            )
        )

    def _comment(self, value: object) -> Comment:
        return Comment.objects.select_related("board__team", "card", "author").get(
            pk=as_int(value), board=self.board, deleted_at__isnull=True
        )

    async def do_edit_comment(self, frame: dict) -> None:
        """The author's new text for their comment: every viewer's copy is replaced."""
        await write(
            lambda: actions.edit_comment(
                comment=self._comment(frame.get("comment")), user=self.user, body=frame.get("body")
            )
        )

    async def do_delete_comment(self, frame: dict) -> None:
        await write(
            lambda: actions.delete_comment(
                comment=self._comment(frame.get("comment")), user=self.user
            )
        )

    async def do_editing(self, frame: dict) -> None:
        """Ephemeral: "Ana is editing Solution" on the card, for everyone else."""
        await write(
            lambda: actions.send_editing(
                card=self._card(frame.get("card")), user=self.user, field=frame.get("field")
            )
        )
