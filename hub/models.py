"""A team's registered OpenAPI schemas (a version per upload), problems reported against
them (each one a card), and whether the team's generated hub is public."""

import json
import shlex

from django.conf import settings
from django.db import models
from django.urls import reverse

from hub import openapi


class ApiSchema(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Fetching"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        URL = "url", "URL"

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="api_schemas")
    version = models.PositiveIntegerField()  # 1, 2, 3… per team: one per registration
    source = models.CharField(max_length=6, choices=Source.choices)
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=120, blank=True)
    api_version = models.CharField(max_length=40, blank=True)  # the document's info.version
    document = models.JSONField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "version"], name="api_schema_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title or self.url or 'schema'} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("hub:schema", args=[self.team.slug, self.version])

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def operations(self) -> list:
        return openapi.operations(self.document or {})

    def as_json(self) -> str:
        return json.dumps(self.document or {}, indent=2, ensure_ascii=False)


class ApiReport(models.Model):
    """A frontend peer's report of what an endpoint answered: the card is the discussion."""

    card = models.OneToOneField("boards.Card", on_delete=models.CASCADE, related_name="api_report")
    schema = models.ForeignKey(ApiSchema, on_delete=models.CASCADE, related_name="reports")
    path = models.CharField(max_length=300)  # the schema's path template: /users/{id}
    method = models.CharField(max_length=7)
    request_path = models.CharField(max_length=500)  # as sent: /users/42?full=1
    request_headers = models.TextField(blank=True)  # "Name: value" lines
    request_body = models.TextField(blank=True)
    status = models.PositiveSmallIntegerField()
    response_body = models.TextField()  # JSON, checked when reported
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"

    def header_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.request_headers.splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip():
                pairs.append((name.strip(), value.strip()))
        return pairs

    def curl(self) -> str:
        """A shell line that sends the request again; every argument quoted for a POSIX
        shell (quotes, $(…), backticks and newlines stay text)."""
        url = openapi.server(self.schema.document or {}) + self.request_path
        parts = ["curl", "-i", "-X", self.method, url]
        for name, value in self.header_pairs():
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body]
        return " ".join(shlex.quote(part) for part in parts)

    def observed(self) -> object:
        return json.loads(self.response_body)

    def expected(self) -> tuple[str, object]:
        """(which response, its JSON schema) the schema gives for what was observed."""
        return openapi.expected_response(
            self.schema.document or {}, self.path, self.method, self.status
        )

    def expected_shape(self) -> object:
        _, schema = self.expected()
        return None if schema is None else openapi.shape(self.schema.document or {}, schema)

    def differences(self) -> list[tuple[str, str, str]]:
        _, schema = self.expected()
        if schema is None:
            return []
        return openapi.differences(self.schema.document or {}, schema, self.observed())

    def as_data(self) -> dict:
        which, _ = self.expected()
        return {
            "id": self.pk,
            "card": self.card_id,
            "schema": self.schema.version,
            "path": self.path,
            "method": self.method,
            "request_path": self.request_path,
            "status": self.status,
            "expected_response": which,
            "expected_shape": self.expected_shape(),
            "differences": [
                {"where": where, "kind": kind, "detail": detail}
                for where, kind, detail in self.differences()
            ],
            "curl": self.curl(),
        }


class HubSettings(models.Model):
    """A team's hub: private (its members) unless an owner made it public."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="hub")
    is_public = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"hub of {self.team_id}: {'public' if self.is_public else 'private'}"
