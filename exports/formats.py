"""What an export writes: a board as a readable challenge → solution write-up (Markdown), as
data (JSON) or as a sheet (CSV); a room's history (Markdown, JSON); a person's solved cards
(Markdown). Each writer reads in chunks and yields text as it goes, with how many items the
text holds, so that no export, however large, is ever one list in memory."""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from html import escape

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from boards.models import Board, Card, Column
from chat.models import Message, Room

CHUNK = 200  # rows read from the database at a time
Chunks = Iterator[tuple[str | bytes, int]]  # (text, or a zip's bytes; items it holds)

# --- Markdown that carries no raw HTML ----------------------------------------------------------
# A Markdown reader passes raw HTML through (GitHub, editors' previews), so nothing an export
# writes may open a tag. Names and titles are plain text: escaped whole. Problems, solutions
# and messages are Markdown: `<` is escaped outside code, where entities would show as written.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_NOT_IN_AUTOLINK = re.compile(r"[\s<>]")


def _text(value: str) -> str:
    return escape(value, quote=False)


def _link(url: str) -> str:
    """An autolink, unless the address holds what would end one (then it is text)."""
    return _text(url) if _NOT_IN_AUTOLINK.search(url) else f"<{url}>"


def _markdown(value: str) -> str:
    lines, fence = [], ""
    for line in value.strip().splitlines():
        opening = _FENCE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
        elif opening:
            fence = opening[1]
        else:
            line = _outside_code_spans(line)
        lines.append(line)
    if fence:  # an unclosed fence would swallow whatever the export writes next
        lines.append(fence)
    return "\n".join(lines)


def _outside_code_spans(line: str) -> str:
    parts, start = [], 0
    for span in _CODE_SPAN.finditer(line):
        parts += [line[start : span.start()].replace("<", "&lt;"), span[0]]
        start = span.end()
    return "".join([*parts, line[start:].replace("<", "&lt;")])


def _block(lines: list[str]) -> str:
    """One part of a Markdown file, followed by the blank line that ends it."""
    return "\n".join(lines).rstrip("\n") + "\n\n"


# --- CSV that a spreadsheet does not run -------------------------------------------------------
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A spreadsheet runs a cell that starts like a formula (`=HYPERLINK(…)`): such text is
    written with a leading apostrophe, which spreadsheets show as text (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _csv_rows(rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _in_chunks(queryset: QuerySet) -> Iterator:
    """Rows a chunk at a time (a server-side cursor on PostgreSQL), prefetches per chunk."""
    return queryset.iterator(chunk_size=CHUNK)


# --- Boards ------------------------------------------------------------------------------------
def board_cards(board: Board) -> QuerySet[Card]:
    return (
        board.cards.filter(archived_at__isnull=True)
        .select_related("column")
        .prefetch_related("tags", "assignees", "labels")
        .order_by("column__position", "column_id", "position", "pk")
    )


def card_markdown(card: Card, heading: str = "###", about: list[str] | None = None) -> str:
    lines = [f"{heading} {_text(card.title)}", ""]
    if about:
        lines += [" · ".join(about), ""]
    tags = ", ".join(_text(tag.name) for tag in card.tags.all())
    if tags:
        lines += [f"Tags: {tags}", ""]
    if card.problem:
        lines += ["**Problem**", "", _markdown(card.problem), ""]
    if card.solution:
        lines += ["**Solution**", "", _markdown(card.solution), ""]
    for done, text in card.checklist_items():
        lines.append(f"- [{'x' if done else ' '}] {_text(text)}")
    if card.checklist_items():
        lines.append("")
    for link in card.link_list():
        lines.append(f"- {_link(link)}")
    return _block(lines)


def board_markdown(board: Board) -> Chunks:
    yield _block([f"# {_text(board.name)}"]), 0
    columns = list(board.columns.all())
    shown = 0  # columns whose heading is written

    def headings_up_to(column_id: int | None) -> Iterator[str]:
        nonlocal shown
        while shown < len(columns):
            column = columns[shown]
            if column.pk == column_id:
                shown += 1
                yield _block([f"## {_text(column.name)}"])
                return
            shown += 1
            yield _block([f"## {_text(column.name)}", "", "_No cards._"])

    current = None
    for card in _in_chunks(board_cards(board)):
        text = ""
        if card.column_id != current:
            current = card.column_id
            text = "".join(headings_up_to(current))
        yield text + card_markdown(card), 1
    yield "".join(headings_up_to(None)), 0


def board_info(board: Board) -> dict:
    return {"id": board.pk, "name": board.name, "team": board.team.name if board.team else None}


def column_records(board: Board) -> list[dict]:
    return [
        {"id": column.pk, "name": column.name, "position": index}
        for index, column in enumerate(board.columns.all())
    ]


def card_record(card: Card) -> dict:
    return {
        "id": card.pk,
        "column": card.column_id,
        "version": card.version,
        "position": card.position,
        **card.snapshot(),
        "assignees": [person.name for person in card.assignees.all()],
        "created_at": card.created_at.isoformat(),
        "updated_at": card.updated_at.isoformat(),
    }


def board_as_data(board: Board) -> dict:
    """The whole board as one document (small boards: the API's synchronous export)."""
    return {
        "board": board_info(board),
        "columns": column_records(board),
        "cards": [card_record(card) for card in board_cards(board)],
    }


def board_json(board: Board) -> Chunks:
    """The document `board_as_data` answers, written a card at a time."""
    head = {"board": board_info(board), "columns": column_records(board)}
    yield _json(head)[:-1] + ', "cards": [', 0
    separator = "\n"
    for card in _in_chunks(board_cards(board)):
        yield separator + _json(card_record(card)), 1
        separator = ",\n"
    yield "\n]}\n", 0


CSV_HEADER = [
    "id", "column", "title", "problem", "solution", "tags", "labels", "assignees", "due",
    "checklist_done", "checklist_total", "links", "created_at", "updated_at",
]  # fmt: skip


def board_csv(board: Board) -> Chunks:
    yield _csv_rows([CSV_HEADER]), 0
    for card in _in_chunks(board_cards(board)):
        done, total = card.checklist_progress()
        row = [
            card.pk, card.column.name, card.title, card.problem, card.solution,
            ", ".join(tag.name for tag in card.tags.all()),
            ", ".join(label.name for label in card.labels.all()),
            ", ".join(person.name for person in card.assignees.all()),
            card.due.isoformat() if card.due else "", done, total, " ".join(card.link_list()),
            card.created_at.isoformat(), card.updated_at.isoformat(),
        ]  # fmt: skip
        yield _csv_rows([row]), 1


# --- A room's history --------------------------------------------------------------------------
def room_messages(room: Room) -> QuerySet[Message]:
    """Every message still there, replies included, in the room's order."""
    return (
        Message.objects.filter(room=room, deleted_at__isnull=True)
        .select_related("author")
        .prefetch_related("attachments")
        .annotate(parent_seq=F("parent__seq"))
        .order_by("seq")
    )


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def room_markdown(room: Room, title: str) -> Chunks:
    yield _block([f"# {_text(title)}", "", f"History of {_text(title)}, oldest first."]), 0
    for message in _in_chunks(room_messages(room)):
        about = [f"**{_text(message.author.name)}**", _when(message.created_at), f"#{message.seq}"]
        if message.parent_seq is not None:
            about.append(f"reply to #{message.parent_seq}")
        if message.edited_at:
            about.append("edited")
        lines = [" · ".join(about), "", _markdown(message.body)]
        files = [_text(f.name) for f in message.attachments.all()]
        if files:
            lines += ["", "Files: " + ", ".join(files)]
        yield _block([*lines, "", "---"]), 1


def message_record(message: Message) -> dict:
    return {
        "id": message.pk,
        "seq": message.seq,
        "parent_seq": message.parent_seq,
        "author": {"id": message.author_id, "name": message.author.name},
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "resolved": message.resolved_at is not None,
        "pinned": message.pinned_at is not None,
        "attachments": [
            {"name": file.name, "size": file.size, "content_type": file.content_type}
            for file in message.attachments.all()
        ],
    }


def room_json(room: Room, title: str) -> Chunks:
    head = {"room": {"id": room.pk, "slug": room.slug, "name": title, "topic": room.topic}}
    yield _json(head)[:-1] + ', "messages": [', 0
    separator = "\n"
    for message in _in_chunks(room_messages(room)):
        yield separator + _json(message_record(message)), 1
        separator = ",\n"
    yield "\n]}\n", 0


# --- A person's solved cards -------------------------------------------------------------------
def solved_cards(user: User) -> QuerySet[Card]:
    """Cards in their board's last column (its "done" column, as webhooks' `card.solved`
    says) on boards the person may see, assigned to them, or made by them and assigned to
    nobody. Newest first."""
    last_column = Column.objects.filter(board=OuterRef("board")).order_by("-position", "-pk")
    return (
        Card.objects.filter(
            board__in=Board.objects.visible_to(user),
            archived_at__isnull=True,
            column=Subquery(last_column.values("pk")[:1]),
        )
        .filter(Q(assignees=user) | Q(created_by=user, assignees=None))
        .distinct()
        .select_related("board")
        .prefetch_related("tags")
        .order_by("-updated_at", "-pk")
    )


def portfolio_markdown(user: User) -> Chunks:
    name = _text(user.name)
    yield _block([f"# {name}: solved challenges", "", "Newest first."]), 0
    for card in _in_chunks(solved_cards(user)):
        about = [f"Board: {_text(card.board.name)}", f"solved by {card.updated_at:%Y-%m-%d}"]
        yield card_markdown(card, heading="##", about=about), 1
