"""A board's coloured labels: created and removed by the people who edit the board; every
viewer's columns follow (a removed label leaves its cards' tiles)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from boards.actions.boards import _clean_name, _columns_changed, log, next_event, require_edit
from boards.models import Board, Card, Label, LabelColour

LABEL_NAME_MAX, LABELS_MAX = 30, 40


def create_label(*, board: Board, user: User, name: object, colour: object) -> Label:
    require_edit(user, board)
    name = _clean_name(name, LABEL_NAME_MAX, "label")
    if colour not in LabelColour.values:
        raise ValidationError(f"Choose a colour: {', '.join(LabelColour.labels)}.")
    with transaction.atomic():
        event = next_event(board)
        if board.labels.filter(name__iexact=name).exists():
            raise ValidationError(f"This board already has a label named “{name}”.")
        if board.labels.count() >= LABELS_MAX:
            raise ValidationError(f"A board has at most {LABELS_MAX} labels.")
        label = Label.objects.create(board=board, name=name, colour=colour)
        log(
            board,
            user,
            "added a label",
            event,
            label=[None, f"{name} ({label.get_colour_display()})"],
        )
        _columns_changed(board, event)
    return label


def remove_label(*, label: Label, user: User) -> None:
    """The label leaves every card that had it; those cards take the event (fresh tiles)."""
    board = label.board
    require_edit(user, board)
    with transaction.atomic():
        event = next_event(board)
        Card.objects.filter(labels=label).update(event=event)
        log(board, user, "removed a label", event, label=[label.name, None])
        Label.objects.filter(pk=label.pk).delete()
        _columns_changed(board, event)
