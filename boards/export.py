"""A board as a readable challenge → solution write-up (Markdown) and as data (JSON)."""

import re
from html import escape

from boards.models import Board

# A Markdown reader passes raw HTML through (GitHub, editors' previews), so nothing the
# export writes may open a tag. Names and titles are plain text: escaped whole. Problem and
# solution are Markdown: `<` is escaped outside code, where entities would show as written.
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
    return "\n".join(lines)


def _outside_code_spans(line: str) -> str:
    parts, start = [], 0
    for span in _CODE_SPAN.finditer(line):
        parts += [line[start : span.start()].replace("<", "&lt;"), span[0]]
        start = span.end()
    return "".join([*parts, line[start:].replace("<", "&lt;")])


def _cards(board: Board):
    return (
        board.cards.filter(archived_at__isnull=True)
        .select_related("column")
        .prefetch_related("tags", "assignees", "labels")
        .order_by("column__position", "position", "pk")
    )


def board_as_markdown(board: Board) -> str:
    lines = [f"# {_text(board.name)}", ""]
    cards = list(_cards(board))
    for column in board.columns.all():
        lines += [f"## {_text(column.name)}", ""]
        in_column = [card for card in cards if card.column_id == column.pk]
        if not in_column:
            lines += ["_No cards._", ""]
        for card in in_column:
            lines += [f"### {_text(card.title)}", ""]
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
            if card.link_list():
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def board_as_data(board: Board) -> dict:
    return {
        "board": {
            "id": board.pk,
            "name": board.name,
            "team": board.team.name if board.team else None,
        },
        "columns": [
            {"id": column.pk, "name": column.name, "position": index}
            for index, column in enumerate(board.columns.all())
        ],
        "cards": [
            {
                "id": card.pk,
                "column": card.column_id,
                "version": card.version,
                "position": card.position,
                **card.snapshot(),
                "assignees": [person.name for person in card.assignees.all()],
                "created_at": card.created_at.isoformat(),
                "updated_at": card.updated_at.isoformat(),
            }
            for card in _cards(board)
        ],
    }
