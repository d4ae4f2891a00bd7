"""The learning loop, board side (decision 019): a thread promoted to a challenge card, and the
card and its thread kept in step. Each direction calls only the other's inner function
(`chat.actions.messages.set_resolved`, `boards.actions.cards.place_card`), so a resolve moves
a card once and a move resolves a thread once: nothing loops. A room is always locked before
a board."""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policies
from accounts.models import User
from boards.actions.boards import next_event
from boards.actions.cards import (
    TEXT_MAX,
    TITLE_MAX,
    _card_changed,
    _clean_changes,
    edit_card,
    insert_card,
    place_card,
)
from boards.models import Board, Card, Column
from chat.actions.messages import _change, set_resolved
from chat.models import Message, Room

_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)*")
UNTITLED = "A question from the room"


@dataclass(frozen=True)
class Promoted:
    card: Card
    created: bool  # False: the thread already had its card, which is the answer


def question_title(body: str) -> str:
    """The card's title: the question's first line of words (no heading or list marks, no
    code fence), cut at a word to the title limit."""
    for line in body.splitlines():
        text = " ".join(_MARKUP.sub("", line).split()).strip("*_` ")
        if text and not line.lstrip().startswith("```"):
            break
    else:
        return UNTITLED
    if len(text) <= TITLE_MAX:
        return text
    cut = text[: TITLE_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[TITLE_MAX // 2 :] else cut).rstrip() + "…"


def promote_message(*, message: Message, user: User, board: Board) -> Promoted:
    """Make a thread's question a challenge card on `board`: title from its first line,
    problem from its text, the accepted answer (if any) as the solution draft, in the last
    column if the thread is resolved. The card and both links are one transaction; a thread
    has one card (promoting it again answers that one)."""
    if not policies.can_promote(user, message, board):
        if policies.can_view_space(user, message.room):
            raise PermissionDenied("You cannot add cards to this board.")
        raise PermissionDenied("You cannot see this message.")
    if message.parent_id is not None:
        raise ValidationError("Promote the thread's first message, not a reply.")
    if message.is_deleted:
        raise ValidationError("A deleted message cannot be promoted.")
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=message.room_id).first()  # room, then board
        existing = Card.objects.select_related("board").filter(source_id=message.pk).first()
        if existing is not None:
            return Promoted(existing, created=False)
        question = Message.objects.select_related("room", "author", "answer__author").get(
            pk=message.pk
        )
        columns = list(board.columns.all())
        if not columns:
            raise ValidationError("This board has no column to put the card in.")
        column = columns[-1] if question.resolved_at is not None else columns[0]
        fields = {"title": question_title(question.body), "problem": question.body}
        if question.answer is not None and not question.answer.is_deleted:
            fields["solution"] = question.answer.body
        values = _clean_changes(board, fields)
        card = insert_card(board=board, user=user, column=column, values=values, source=question)
        _change(question, lambda locked: None)  # its frame now carries the card chip
    return Promoted(card, created=True)


def lock_thread_room(card: Card) -> None:
    """Before a card's board is locked: the room of the thread it was promoted from, if any
    (resolve_thread locks the room, then the board; a move must take them in that order)."""
    room_id = Card.objects.filter(pk=card.pk).values_list("source__room_id", flat=True).first()
    if room_id is not None:
        Room.objects.select_for_update().filter(pk=room_id).first()


def _done_columns(board: Board) -> tuple[Column | None, Column | None]:
    """The board's last column (done) and the one before it (where a reopened card goes)."""
    columns = list(board.columns.all())
    if len(columns) < 2:
        return None, None  # a one-column board has no status to follow
    return columns[-1], columns[-2]


def card_follows_thread(question: Message, user: User) -> None:
    """A thread was resolved or reopened: its card (if any, not archived) moves into its
    board's last column, or from there to the column before it."""
    card = (
        Card.objects.select_related("board")
        .filter(source_id=question.pk, archived_at__isnull=True)
        .first()
    )
    if card is None:
        return
    done, before_done = _done_columns(card.board)
    if done is None:
        return
    if question.resolved_at is not None and card.column_id != done.pk:
        place_card(card=card, user=user, column=done)
    elif question.resolved_at is None and card.column_id == done.pk:
        place_card(card=card, user=user, column=before_done)


def thread_follows_card(card: Card, user: User, *, source_column: int) -> None:
    """A card was moved: into its board's last column, its thread is resolved; out of it,
    reopened. Moves within a column, or between other columns, change nothing."""
    moved = Card.objects.select_related("board").get(pk=card.pk)
    if moved.source_id is None or moved.column_id == source_column:
        return
    done, _ = _done_columns(moved.board)
    if done is None:
        return
    question = Message.objects.select_related("room", "author").get(pk=moved.source_id)
    if moved.column_id == done.pk and question.resolved_at is None:
        set_resolved(message=question, user=user, resolved=True)
    elif source_column == done.pk and question.resolved_at is not None:
        set_resolved(message=question, user=user, resolved=False)


# --- The accepted answer on the card -------------------------------------------------------------
def draft_section(answer: Message) -> str:
    """How an accepted answer joins a solution someone already wrote: a marked section."""
    return f"---\n**Draft from the accepted answer** (by {answer.author.name}):\n\n{answer.body}\n"


def solution_with(solution: str, answer: Message | None, previous: Message | None) -> str:
    """The card's solution once `answer` is accepted instead of `previous`: the answer itself
    when the solution is empty (or still the previous answer, untouched); else the previous
    answer's draft section replaced, or a new section appended. Taking an answer back
    (`answer` None) leaves the text as it is."""
    if answer is None:
        return solution
    if not solution.strip() or (previous is not None and solution.strip() == previous.body.strip()):
        return answer.body
    if previous is not None and draft_section(previous) in solution:
        return solution.replace(draft_section(previous), draft_section(answer))
    return f"{solution.rstrip()}\n\n{draft_section(answer)}"


def card_takes_answer(
    question: Message, user: User, *, answer: Message | None, previous: Message | None
) -> None:
    """The thread's accepted answer changed: its card's solution takes the draft, and every
    viewer's tile its Accepted badge (the card takes a new version, or at least a new event)."""
    card = Card.objects.select_related("board").filter(source_id=question.pk).first()
    if card is None or card.archived_at is not None:
        return
    solution = solution_with(card.solution, answer, previous)
    if len(solution) > TEXT_MAX["solution"]:
        raise ValidationError(
            "The card's solution has no room for this answer: shorten it on the card first."
        )
    if solution == card.solution:
        refresh_card(card, user)
        return
    mine = _clean_changes(card.board, {"solution": solution})
    edit_card(card=card, user=user, base_version=card.version, mine=mine)


def card_of(question_id: int) -> Card | None:
    return Card.objects.select_related("board").filter(source_id=question_id).first()


def refresh_card(card: Card, user: User) -> None:
    """The card's thread changed what its tile shows (a verification): a new event, the
    tile rendered again for every viewer."""
    event = next_event(card.board)
    Card.objects.filter(pk=card.pk).update(event=event)
    _card_changed(card.board, card.pk, user)
