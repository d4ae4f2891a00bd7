"""A team's hub, generated from its boards and rooms in the shape the programme wrote by hand:
README.md, challenges/ (one file per solved card), best_practices.md, api_docs/. The pages and
the zip export read the same files from here. A public hub (for readers outside the team) holds
only what is public: cards of public boards, discussion links to public rooms, and nothing
drawn from a private room (its accepted answer's author, its verifier)."""

import io
import zipfile
from collections.abc import Iterator
from functools import cached_property

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.text import slugify

from accounts.models import Team
from boards.models import Board, Card, Column, Comment
from exports.formats import _link, _markdown, _text
from hub.models import ApiSchema
from webhooks.outbox import absolute

BEST_PRACTICE_TAGS = {"best-practice", "best practice", "best-practices", "best practices"}
NAME_MAX = 60  # characters of a title in a file name
_COMMENTS = Comment.objects.select_related("author").order_by("created_at", "pk")


def _safe_name(stem: str, fallback: str) -> str:
    """A file name from a title: slugified (letters, digits, -), so no `/`, `..` or `\\`."""
    return slugify(stem)[:NAME_MAX].strip("-") or fallback


class Hub:
    """`absolute_links`: the zip's files are read away from the site, so their links to its
    pages are full addresses (SITE_DOMAIN); the pages keep paths."""

    def __init__(self, team: Team, *, public: bool, absolute_links: bool = False) -> None:
        self.team, self.public, self.absolute_links = team, public, absolute_links

    @property
    def is_public(self) -> bool:
        settings = getattr(self.team, "hub", None)
        return bool(settings and settings.is_public)

    @cached_property
    def boards(self) -> list[Board]:
        boards = Board.objects.filter(team=self.team).order_by("name", "pk")
        if self.public:
            boards = boards.filter(is_private=False)
        return list(boards)

    @cached_property
    def solved(self) -> list[Card]:
        """Live cards in their board's last column (decision 020's "solved"), verified first."""
        last = Column.objects.filter(board=OuterRef("board")).order_by("-position", "-pk")
        cards = (
            Card.objects.filter(
                board__in=self.boards,
                archived_at__isnull=True,
                column=Subquery(last.values("pk")[:1]),
            )
            .select_related(
                "board", "source__room", "source__answer__author", "source__answer__verified_by"
            )
            .prefetch_related(
                "tags",
                Prefetch(
                    "comments",
                    Comment.objects.filter(deleted_at__isnull=True).select_related("author"),
                ),
            )
            .order_by("board__name", "pk")
        )
        found = list(cards)
        found.sort(key=lambda card: not self._verified(card))  # stable: verified first
        return found

    def _room_shown(self, card: Card):
        room = card.source.room if card.source_id else None
        if room is None or room.kind == "direct":
            return None
        if self.public and (room.is_private or room.team_id not in (None, self.team.pk)):
            return None
        if room.is_private and room.team_id != self.team.pk:
            return None  # every member reads the hub; only the other team sees that room
        return room

    def _verified(self, card: Card) -> bool:
        return bool(
            self._room_shown(card) and card.source.answer and card.source.answer.verified_by_id
        )

    @cached_property
    def schemas(self) -> list[ApiSchema]:
        return list(self.team.api_schemas.filter(status=ApiSchema.Status.READY).order_by("version"))

    # --- file names ------------------------------------------------------------------------
    def challenge_name(self, card: Card) -> str:
        return f"challenges/{card.pk:05d}-{_safe_name(card.title, 'challenge')}.md"

    def schema_name(self, schema: ApiSchema) -> str:
        return f"api_docs/{_safe_name(schema.title, 'api')}-v{schema.version}.json"

    def names(self) -> list[str]:
        return [
            "README.md", "best_practices.md",
            *(self.challenge_name(card) for card in self.solved),
            *(self.schema_name(schema) for schema in self.schemas),
        ]  # fmt: skip

    def file(self, name: str) -> str | None:
        if name in ("", "README.md"):
            return self.readme()
        if name == "best_practices.md":
            return self.best_practices()
        for card in self.solved:
            if self.challenge_name(card) == name:
                return self.challenge(card)
        for schema in self.schemas:
            if self.schema_name(schema) == name:
                return schema.as_json()
        return None

    # --- the files --------------------------------------------------------------------------
    def readme(self) -> str:
        team = self.team
        lines = [f"# {_text(team.name)}", ""]
        if team.description:
            lines += [_text(team.description), ""]
        lines += ["## Objectives", ""]
        described = [board for board in self.boards if board.name]
        for board in described:
            about = getattr(board, "description", "") or ""
            lines.append(f"- **{_text(board.name)}**" + (f": {_text(about)}" if about else ""))
        if not described:
            lines.append("No boards yet.")
        tags = sorted(
            {tag.name for card in self._all_cards for tag in card.tags.all()}, key=str.lower
        )
        lines += ["", "## Technologies", ""]
        lines += [", ".join(_text(tag) for tag in tags) if tags else "No tags yet.", ""]
        lines += ["## Challenges", ""]
        if self.solved:
            lines += ["| Challenge | Solution | Board |", "|---|---|---|"]
        else:
            lines.append(
                "No challenge solved yet: a card is listed here once it is in its board's last"
                " column (promote a resolved thread, or move a card there)."
            )
        for card in self.solved:
            mark = " (verified)" if self._verified(card) else ""
            first = (card.solution.strip().splitlines() or [""])[0][:120]
            lines.append(
                f"| [{_cell(card.title)}]({self.challenge_name(card)}) | {_cell(first)}{mark} "
                f"| {_cell(card.board.name)} |"
            )
        lines += ["", "See also [best practices](best_practices.md)."]
        if self.schemas:
            lines += ["", "## API documentation", ""]
            for schema in self.schemas:
                label = f"{schema.title} {schema.api_version}".strip()
                lines.append(f"- [{_cell(label)} (v{schema.version})]({self.schema_name(schema)})")
        return "\n".join(lines) + "\n"

    @cached_property
    def _all_cards(self) -> list[Card]:
        return list(
            Card.objects.filter(board__in=self.boards, archived_at__isnull=True).prefetch_related(
                "tags"
            )
        )

    def best_practices(self) -> str:
        """Cards tagged best-practice, then solved cards whose solution a mentor verified."""
        tagged = [
            card for card in self._all_cards
            if {tag.name.lower() for tag in card.tags.all()} & BEST_PRACTICE_TAGS
        ]  # fmt: skip
        verified = [card for card in self.solved if self._verified(card) and card not in tagged]
        lines = ["# Best practices", ""]
        if not tagged and not verified:
            lines.append("None yet: tag a card best-practice, or have a mentor verify a solution.")
        for card in tagged + verified:
            lines += [f"## {_text(card.title)}", ""]
            text = card.solution or card.problem
            if text:
                lines += [_markdown(text), ""]
        return "\n".join(lines) + "\n"

    def helpers(self, card: Card) -> list[str]:
        names: dict[int, str] = {}
        if self._room_shown(card) is not None and card.source.answer:
            answer = card.source.answer
            if answer.author:
                names[answer.author.pk] = f"{answer.author.name} (accepted answer)"
            if answer.verified_by:
                names.setdefault(answer.verified_by.pk, f"{answer.verified_by.name} (verified)")
        for comment in card.comments.all():
            if comment.author:
                names.setdefault(comment.author.pk, f"{comment.author.name} (commented)")
        return list(names.values())

    def challenge(self, card: Card) -> str:
        lines = [f"# {_text(card.title)}", ""]
        tags = ", ".join(_text(tag.name) for tag in card.tags.all())
        lines += [f"Board: {_text(card.board.name)}" + (f" · Tags: {tags}" if tags else ""), ""]
        lines += ["## Problem", "", _markdown(card.problem) or "(not written)", ""]
        lines += ["## Solution", "", _markdown(card.solution) or "(not written)", ""]
        helpers = self.helpers(card)
        lines += ["## Who helped", ""]
        lines += [f"- {_text(name)}" for name in helpers] or ["(nobody named)"]
        lines += ["", "## Discussion", ""]
        room = self._room_shown(card)
        if room is not None:
            lines.append(
                f"- Discussed in #{_text(room.name)}: {self._link_to('the thread', card.source)}"
            )
        if not self.public or not card.board.is_private:
            lines.append(f"- {self._link_to('The card', card)}")
        lines += [f"- {_link(link)}" for link in card.link_list()]
        return "\n".join(lines) + "\n"

    def _link_to(self, label: str, target: object) -> str:
        """A Markdown link to one of the app's own pages. An autolink (`<…>`) is only made of
        an absolute URL, so a path in one was shown as text; the path is ours (ids, slugs,
        `?thread=`), in `<…>` so nothing in it can end the link."""
        path = target.get_absolute_url()
        return f"[{label}](<{absolute(path) if self.absolute_links else path}>)"

    # --- the zip ----------------------------------------------------------------------------
    def zip_chunks(self) -> Iterator[tuple[bytes, int]]:
        """The hub as a zip, a file at a time: (bytes written so far, files they hold)."""
        pipe = _Pipe()
        root = _safe_name(self.team.slug, "hub")
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in self.names():
                archive.writestr(f"{root}/{name}", self.file(name) or "")
                yield pipe.take(), 1
        yield pipe.take(), 0


def _cell(value: str) -> str:
    """Text inside a Markdown table cell or link label: escaped, no pipe, no bracket."""
    cleaned = " ".join(str(value).split())
    for char in "|[]":
        cleaned = cleaned.replace(char, "\\" + char)
    return _text(cleaned)


class _Pipe(io.RawIOBase):
    """A write-only stream the zip writes into and the export takes from, a file at a time
    (not seekable: zipfile then writes data descriptors and never goes back)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data
