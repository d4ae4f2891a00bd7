"""The boards' live side: the group name, the frames of each change (rendered once, for every
socket) and the catch-up of a board socket that was away: state, not history."""

from django.template.loader import render_to_string

from accounts.models import User
from boards.models import Activity, Board, Card, Comment, Label
from boards.queries import (
    CARD_SOURCE,
    board_context,
    card_for_render,
    column_order,
    render_card,
)
from nexus_live.events import frame

FIELD_LABELS = {
    "title": "Title", "problem": "Problem", "solution": "Solution", "tags": "Tags",
    "assignees": "Assignees", "links": "Links", "checklist": "Checklist",
    "labels": "Labels", "due": "Due date",
}  # fmt: skip


CATCH_UP_MAX = 200  # comments sent on a reconnect; further behind: reload over HTTP


def board_group(board: Board | int) -> str:
    return f"board-{getattr(board, 'pk', board)}"


def card_data(card: Card, labels: list[Label] | None = None) -> dict:
    """A card as JSON, for API clients: what the tile and the editor show, as data. `labels`,
    when the caller knows them (none: its board has no labels), saves reading them."""
    done, total = card.checklist_progress()
    if labels is None:
        labels = list(card.labels.all())
    return {
        "id": card.pk,
        "board": card.board_id,
        "column": card.column_id,
        "event": card.event,
        "version": card.version,
        "position": card.position,
        **card.snapshot(labels=labels),
        "due": card.due.isoformat() if card.due else None,
        "overdue": card.due_state() == "overdue",
        "labels": [label_data(label) for label in labels],
        "checklist_done": done,
        "checklist_total": total,
        "comment_count": card.comment_count,
        "has_conflict": card.has_conflict,
        "archived": card.archived_at is not None,
        "updated_at": card.updated_at.isoformat() if card.updated_at else None,
        **loop_data(card),
    }


def loop_data(card: Card) -> dict:
    """Where a promoted card came from and how far its answer got (decision 019): `source`
    (the thread: ids and its address, never the room's name), `accepted` (the reply its
    asker accepted) and `verified` (by which mentor); each null when there is none."""
    question = card.source
    answer = question.answer if question is not None else None
    return {
        "source": None
        if question is None
        else {"message": question.pk, "room": question.room_id, "url": question.thread_url},
        "accepted": None
        if answer is None
        else {
            "message": answer.pk,
            "author": {"id": answer.author_id, "name": answer.author.name},
            "url": answer.get_absolute_url(),
        },
        "verified": verified_data(answer),
    }


def verified_data(answer) -> dict | None:
    """{by: {id, name}, at} of a verified accepted answer, else None."""
    if answer is None or answer.verified_at is None or answer.verified_by is None:
        return None
    by = answer.verified_by
    return {"by": {"id": by.pk, "name": by.name}, "at": answer.verified_at.isoformat()}


def label_data(label: Label) -> dict:
    return {"id": label.pk, "name": label.name, "colour": label.colour}


def card_frame(card: Card, *, by: User | None = None, order: dict | None = None) -> str:
    """A card's tile as every socket sends it, the same after a write and in a catch-up.
    `card` must be current, with its board, tags and assignees loaded; `order` lists the
    cards of the columns a move touched."""
    fields: dict[str, object] = {
        "event": card.event, "id": card.pk, "version": card.version,
        "column": card.column_id, "archived": card.archived_at is not None,
    }  # fmt: skip
    if by is not None:
        fields["by"] = by.name
    if order:
        fields["order"] = order
    data = card_data(card)
    if order:
        data["order"] = order
    return frame("card", **fields, html=render_card(card), data=data)


def changed_card_frame(card_id: int, *, by: User, columns: set[int] | None = None) -> str:
    card = card_for_render(card_id)
    return card_frame(card, by=by, order=column_order(columns) if columns else None)


def board_frame(board: Board, event: int) -> str:
    """The board's columns, whole: sent when columns change (open editors live outside them)."""
    context = board_context(board)
    # For every viewer at once: with the owners' controls, which other pages drop (board.js).
    html = render_to_string("boards/board.html#columns", {**context, "can_manage": True})
    columns = [
        {"id": column.pk, "name": column.name, "cards": [card.pk for card in column.card_list]}
        for column in context["columns"]
    ]
    labels = [label_data(label) for label in context["labels"]]
    return frame(
        "board", event=event, id=board.pk, html=html, data={"columns": columns, "labels": labels}
    )


def comment_data(comment: Comment) -> dict:
    author = comment.author
    return {
        "id": comment.pk,
        "card": comment.card_id,
        "board": comment.board_id,
        "event": comment.event,
        "author": {"id": author.pk, "name": author.name} if author else None,
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "deleted": comment.is_deleted,
    }


def comment_frame(comment: Comment, kind: str = "comment") -> str:
    """A new comment (`comment`) or its new text (`comment_edited`), for everyone on the
    board: pages add it under the card's open editor, or replace the one they show."""
    html = render_to_string("boards/card.html#comment", {"comment": comment})
    return frame(
        kind, event=comment.event, id=comment.pk, card=comment.card_id,
        html=html, data=comment_data(comment),
    )  # fmt: skip


def comment_deleted_frame(comment: Comment) -> str:
    """A comment was deleted: pages take it away (no html: there is nothing left to show)."""
    return frame(
        "comment_deleted", event=comment.event, id=comment.pk, card=comment.card_id,
        data=comment_data(comment),
    )  # fmt: skip


def _catch_up_frame(comment: Comment) -> str:
    if comment.is_deleted:
        return comment_deleted_frame(comment)
    return comment_frame(comment, "comment_edited" if comment.edited_at else "comment")


def editing_frame(card_pk: int, user: User, field: str) -> str:
    data = {"card": card_pk, "user": user.pk, "name": user.name, "field": field}
    return frame(
        "editing", card=card_pk, user=user.pk, name=user.name, field=FIELD_LABELS[field], data=data
    )


def events_since(board: Board, since: int) -> list[str]:
    """State, not history: the current form of whatever changed after event `since` (the
    columns whole if a column changed), the comments posted since, then `synced`."""
    last_event = Board.objects.values_list("last_event", flat=True).get(pk=board.pk)
    frames: list[str] = []
    if since < last_event:
        column_change = Activity.objects.filter(board=board, event__gt=since, card__isnull=True)
        if column_change.exists():
            frames.append(board_frame(board, last_event))
        else:
            changed = Card.objects.filter(board=board, event__gt=since)
            columns = set(changed.values_list("column_id", flat=True))
            order = column_order(columns) if columns else None
            for card in changed.select_related("column", *CARD_SOURCE).prefetch_related(
                "tags", "assignees", "labels"
            ):
                card.board = board
                frames.append(card_frame(card, order=order))
        comments = Comment.objects.filter(board=board, event__gt=since, event__lte=last_event)
        comments = comments.select_related("author").prefetch_related("mentions")
        comments = list(comments.order_by("event")[: CATCH_UP_MAX + 1])
        if len(comments) > CATCH_UP_MAX:
            return [frame("reset", event=last_event, reason="too far behind: reload the page")]
        frames += [_catch_up_frame(comment) for comment in comments]
    frames.append(frame("synced", event=last_event))
    return frames
