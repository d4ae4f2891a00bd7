""" "Ana is editing Solution": ephemeral, nothing stored; at most one frame per person and card
every EDITING_INTERVAL seconds reaches the board, the rest are dropped quietly."""

from django.core.exceptions import ValidationError

from accounts import policies
from accounts.models import User
from boards import events as board_events
from boards.models import Card
from nexus_live import events, ratelimit

EDITING_INTERVAL = 2.0  # seconds; the editor announces at most every 3 s


def send_editing(*, card: Card, user: User, field: object) -> bool:
    """Tell the board that `user` is editing `field` of `card`. Returns whether it was sent."""
    if field not in board_events.FIELD_LABELS:
        raise ValidationError("Unknown field.")
    if not policies.can_edit_board(user, card.board):
        return False
    name = f"editing:{card.pk}:{user.pk}"
    if ratelimit.wait_for(name, burst=1, interval=EDITING_INTERVAL):
        return False
    text = board_events.editing_frame(card.pk, user, field)
    events.publish_ephemeral(board_events.board_group(card.board_id), events.forward(text))
    return True
