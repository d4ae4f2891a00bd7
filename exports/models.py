"""Exports: a board, a room's history or a person's solved cards written to a file in the
background (exports/runner.py), with its progress, for the person who asked, for a while."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Kind(models.TextChoices):
    BOARD = "board", "Board"
    ROOM = "room", "Room history"
    PORTFOLIO = "portfolio", "My solved cards"
    HUB = "hub", "Team hub"


class Format(models.TextChoices):
    MARKDOWN = "md", "Markdown"
    JSON = "json", "JSON"
    CSV = "csv", "CSV"
    ZIP = "zip", "Zip"


# What each kind can be written as.
FORMATS = {
    Kind.BOARD: [Format.MARKDOWN, Format.JSON, Format.CSV],
    Kind.ROOM: [Format.MARKDOWN, Format.JSON],
    Kind.PORTFOLIO: [Format.MARKDOWN],
    Kind.HUB: [Format.ZIP],
}
CONTENT_TYPES = {
    Format.MARKDOWN: "text/markdown; charset=utf-8",
    Format.JSON: "application/json",
    Format.CSV: "text/csv; charset=utf-8",
    Format.ZIP: "application/zip",
}


def _export_path(export: "Export", filename: str) -> str:
    """A key of its own per run, never the name people see (that is `filename`)."""
    return f"exports/{export.user_id}/{export.pk}-{uuid.uuid4().hex[:12]}"


class Export(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=Format.choices)
    # What is exported (none for a portfolio: the person's own). A file already written
    # outlives its board or room until it expires; one still to write then fails.
    board = models.ForeignKey(
        "boards.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    room = models.ForeignKey(
        "chat.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(  # a hub's team (decision 024)
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)  # what the list says it is, as it was asked
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    items_done = models.PositiveIntegerField(default=0)
    items_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # A run takes the export by writing its own token and a lease; only that run may finish
    # it. A run that died leaves the lease to run out, and the sweep queues it again.
    run_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["pending", "running"]),
                name="export_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.format}): {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("exports:list") + f"#export-{self.pk}"

    @property
    def filename(self) -> str:
        """The download's name: what it is and when it was asked for."""
        from django.utils.text import slugify

        stem = slugify(self.title)[:60] or self.kind
        return f"{stem}-{self.created_at:%Y%m%d-%H%M}.{self.format}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[Format(self.format)]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def download_url(self) -> str | None:
        if self.status != self.Status.DONE:
            return None
        return reverse("exports:download", args=[self.pk])
