"""A board as a readable challenge → solution write-up (Markdown) and as data (JSON)."""

from boards.models import Board


def _cards(board: Board):
    return (
        board.cards.filter(archived_at__isnull=True)
        .select_related("column")
        .prefetch_related("tags", "assignees")
        .order_by("column__position", "position", "pk")
    )


def board_as_markdown(board: Board) -> str:
    lines = [f"# {board.name}", ""]
    cards = list(_cards(board))
    for column in board.columns.all():
        lines += [f"## {column.name}", ""]
        in_column = [card for card in cards if card.column_id == column.pk]
        if not in_column:
            lines += ["_No cards._", ""]
        for card in in_column:
            lines += [f"### {card.title}", ""]
            tags = ", ".join(tag.name for tag in card.tags.all())
            if tags:
                lines += [f"Tags: {tags}", ""]
            if card.problem:
                lines += ["**Challenge**", "", card.problem.strip(), ""]
            if card.solution:
                lines += ["**Solution**", "", card.solution.strip(), ""]
            for done, text in card.checklist_items():
                lines.append(f"- [{'x' if done else ' '}] {text}")
            if card.checklist_items():
                lines.append("")
            for link in card.link_list():
                lines.append(f"- <{link}>")
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
