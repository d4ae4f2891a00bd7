"""Challenge boards: columns of cards, each card a real problem and its solution.

Every card carries a `version`; every write to a board takes the board's next event, so a
viewer that reconnects asks for what changed after the last event it saw.
"""

import datetime
import difflib
import re

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from nexus_live.models import Space

DEFAULT_COLUMNS = ["Challenge", "Investigating", "Solved"]


class Board(Space):
    name = models.CharField(max_length=120)

    class Meta(Space.Meta):
        pass

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("boards:detail", args=[self.pk])


class Column(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=60)
    position = models.FloatField()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            # One "Solved" per board, whatever the case: filters, "move cards to" and exports
            # name columns, so two of one name would be ambiguous.
            models.UniqueConstraint(Lower("name"), "board", name="column_name_unique_per_board")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A technology or topic (Celery, Redis, JWT, CORS…), shared by every board."""

    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class LabelColour(models.TextChoices):
    """A fixed palette: every colour named (a label is never told by its colour alone) and
    readable with dark text in both themes."""

    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    ORANGE = "orange", "Orange"
    RED = "red", "Red"
    PURPLE = "purple", "Purple"
    BLUE = "blue", "Blue"
    SKY = "sky", "Sky"
    PINK = "pink", "Pink"
    GREY = "grey", "Grey"


class Label(models.Model):
    """A board's own coloured label ("Blocked", "Needs review"), put on its cards."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=30)
    colour = models.CharField(max_length=10, choices=LabelColour.choices)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "board", name="label_name_unique_per_board")
        ]

    def __str__(self) -> str:
        return self.name


DUE_SOON_DAYS = 2  # due today, tomorrow or the day after: "due soon"
_CHECK_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?\[( |x|X)\]\s*(.*)$")
_TASK_ITEM = re.compile(r"^\s*[-*+]\s+\[( |x|X)\]\s")  # Markdown task lists, in the texts


class Card(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="cards")
    title = models.CharField(max_length=200)
    problem = models.TextField(blank=True)
    solution = models.TextField(blank=True)
    links = models.TextField(blank=True, help_text="One address per line.")
    checklist = models.TextField(blank=True, help_text="One item per line: [ ] to do, [x] done.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="cards")
    labels = models.ManyToManyField(Label, blank=True, related_name="cards")
    due = models.DateField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)  # kept by add_comment, for the tile
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    position = models.FloatField()
    version = models.PositiveIntegerField(default=1)
    event = models.BigIntegerField(default=0, db_index=True)  # the board event of its last change
    has_conflict = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    # The thread this card was promoted from (decision 019): one card per thread.
    source = models.OneToOneField(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="card"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:card", args=[self.board_id, self.pk])

    def checklist_items(self) -> list[tuple[bool, str]]:
        """The checklist's items: a line per item, `[x]` done, `[ ]` (or nothing) to do; the
        Markdown task form `- [ ] item` reads the same."""
        items = []
        for line in self.checklist.splitlines():
            if not line.strip():
                continue
            if match := _CHECK_ITEM.match(line):
                items.append((match[1] != " ", match[2].strip()))
            else:
                items.append((False, line.strip()))
        return items

    def checklist_progress(self) -> tuple[int, int]:
        """(done, total) of the checklist, with the Markdown task items (`- [x] …`) of the
        problem and the solution."""
        items = [done for done, _ in self.checklist_items()]
        for text in (self.problem, self.solution):
            items += [m[1] != " " for m in map(_TASK_ITEM.match, text.splitlines()) if m]
        return sum(items), len(items)

    due_soon_days = DUE_SOON_DAYS  # the pages' script reads it from the tile (data-near-days)

    def due_state(self, today: datetime.date | None = None) -> str:
        """ "overdue", "soon", "later" or "" (no due date). Archived cards are never overdue."""
        if self.due is None:
            return ""
        if self.archived_at is not None:
            return "later"
        today = today or timezone.localdate()
        if self.due < today:
            return "overdue"
        return "soon" if (self.due - today).days <= DUE_SOON_DAYS else "later"

    def snapshot(self, labels: "list[Label] | None" = None) -> dict:
        """The editable fields as plain data: what revisions store, merges compare and frames
        carry (tags, assignees and labels prefetched, or three queries)."""
        return {
            "title": self.title,
            "problem": self.problem,
            "solution": self.solution,
            "links": self.links,
            "checklist": self.checklist,
            "tags": sorted(tag.name for tag in self.tags.all()),
            "assignees": sorted(person.pk for person in self.assignees.all()),
            "labels": sorted(
                label.pk for label in (self.labels.all() if labels is None else labels)
            ),
            "due": self.due.isoformat() if self.due else "",
        }

    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


class CardRevision(models.Model):
    """What a card held at each version: the base of a three-way merge."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "version"], name="one_revision_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.card} v{self.version}"


class Activity(models.Model):
    """Who changed what on a board, when, with the before and after."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="activity")
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, null=True, blank=True, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=30)
    changes = models.JSONField(default=dict)
    event = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-event"]
        indexes = [models.Index(fields=["board", "event"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} on {self.board}"

    SHORT = 120  # longer texts, or texts of several lines, are summed up, not shown twice
    LABELS = {"due": "Due date", "labels": "Labels"}

    @property
    def sentence(self) -> str:
        """The verb as a person reads it: "archived the card", not "Archived False → True"."""
        return {"archived a card": "archived the card", "restored a card": "restored the card"}.get(
            self.verb, self.verb
        )

    def readable_changes(self) -> list[dict[str, str]]:
        """Each change as a label and a short text: `before → after` for short values, a
        count of lines for long texts, what was added and removed for sets."""
        lines = []
        for name, values in self.changes.items():
            if name == "archived" or not isinstance(values, list) or len(values) != 2:
                continue  # the sentence says it
            before, after = values
            label = self.LABELS.get(name, name.replace("_", " ").capitalize())
            lines.append({"label": label, **_describe(name, before, after, self.SHORT)})
        return lines


MINUS = "\u2212"


def _describe(name: str, before: object, after: object, short: int) -> dict[str, str]:
    if isinstance(before, list) or isinstance(after, list):
        old, new = set(before or []), set(after or [])
        if name == "assignees":  # ids: counted, not named (naming would cost a query each)
            parts = [f"+{len(new - old)} assigned"] * bool(new - old)
            parts += [f"{MINUS}{len(old - new)} unassigned"] * bool(old - new)
        else:
            parts = [f"+{item}" for item in sorted(new - old, key=str)]
            parts += [f"{MINUS}{item}" for item in sorted(old - new, key=str)]
        return {"summary": ", ".join(parts) or "reordered"}
    before_text = "" if before is None else str(before)
    after_text = "" if after is None else str(after)
    if (
        "\n" in before_text.strip()
        or "\n" in after_text.strip()
        or max(len(before_text), len(after_text)) > short
    ):
        added = removed = 0
        for line in difflib.ndiff(before_text.splitlines(), after_text.splitlines()):
            added += line.startswith("+ ")
            removed += line.startswith("- ")
        parts = [f"+{added} line{'s' * (added != 1)}"] * bool(added)
        parts += [f"{MINUS}{removed} line{'s' * (removed != 1)}"] * bool(removed)
        return {"summary": ", ".join(parts) or "reformatted"}
    return {"before": before_text or "—", "after": after_text or "—"}


class Comment(models.Model):
    """A remark on a card, Markdown rendered once when written (like a message); it takes the
    board's next event, so a socket that was away catches up on it."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="comments")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField()
    event = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Deleted comments stay as a row without text until the board's catch-up has told every
    # socket (it sends what changed after an event, so a vanished row would never be told).
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} on {self.card}"

    def get_absolute_url(self) -> str:
        return f"{self.card.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
