"""Writes of the hub app: register a schema (upload now, URL fetched by a task), report an API
problem (a card, through boards' actions), make a hub public. Check → write → notify."""

import json

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max

from accounts.models import Team, User
from boards import actions as board_actions
from boards.models import Board, Card
from hub import openapi, policies
from hub.models import ApiReport, ApiSchema, HubSettings
from nexus_live import outbound
from nexus_live.celery import queue

BODY_MAX = 100_000  # characters of a pasted request or response body
HEADERS_MAX = 4_000
MAX_FETCH_ATTEMPTS = 3


def _next_version(team: Team) -> int:
    Team.objects.select_for_update().filter(pk=team.pk).first()  # one version at a time
    last = ApiSchema.objects.filter(team=team).aggregate(last=Max("version"))["last"]
    return (last or 0) + 1


def register_schema(
    *, team: Team, user: User, document: bytes | str | None = None, url: object = None
) -> ApiSchema:
    """A new version of the team's API schema: a document given now (checked at once), or a
    URL fetched in the background through the outbound client (checked when fetched)."""
    if not policies.can_register_schema(user, team):
        raise PermissionDenied("Only the team's owners register its API schema.")
    url = str(url or "").strip()
    if document is None and not url:
        raise ValidationError("Upload the schema, paste it, or give its URL.")
    if document is not None and url:
        raise ValidationError("Give the schema or its URL, not both.")
    fields: dict = {"source": ApiSchema.Source.URL, "url": url}
    if document is not None:
        parsed = openapi.parse(document)
        title, api_version = openapi.title_of(parsed)
        size = len(document.encode() if isinstance(document, str) else document)
        fields = {
            "source": ApiSchema.Source.UPLOAD, "status": ApiSchema.Status.READY,
            "document": parsed, "title": title, "api_version": api_version, "size": size,
        }  # fmt: skip
    else:
        if len(url) > 500 or not url.startswith(("http://", "https://")):
            raise ValidationError("The URL must be an http(s) address of at most 500 characters.")
        if why := outbound.refusal(url):
            raise ValidationError(f"That URL cannot be fetched: {why}")
    with transaction.atomic():
        schema = ApiSchema.objects.create(
            team=team, version=_next_version(team), created_by=user, **fields
        )
        if schema.status == ApiSchema.Status.PENDING:
            from hub import tasks

            transaction.on_commit(lambda: queue(tasks.fetch_schema, schema.pk), robust=True)
    return schema


def fetch_schema(schema_id: int) -> bool:
    """Fetch a URL-registered schema and check it; True if it is now ready. A second run of a
    fetched schema does nothing."""
    taken = ApiSchema.objects.filter(
        pk=schema_id, status=ApiSchema.Status.PENDING, attempts__lt=MAX_FETCH_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not taken:
        return False
    schema = ApiSchema.objects.get(pk=schema_id)
    try:
        body = _download(schema.url)
        parsed = openapi.parse(body)
    except ValidationError as exc:
        return _failed(schema, exc.messages[0])
    except outbound.Refused as exc:
        return _failed(schema, f"That address is not fetched: {exc}")
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:  # IDNAError: a UnicodeError
        return _failed(schema, f"Fetching it failed: {exc.__class__.__name__}")
    title, api_version = openapi.title_of(parsed)
    ApiSchema.objects.filter(pk=schema.pk, status=ApiSchema.Status.PENDING).update(
        status=ApiSchema.Status.READY, document=parsed, title=title, api_version=api_version,
        size=len(body), error="",
    )  # fmt: skip
    return True


def _download(url: str) -> bytes:
    """The body at `url`, through the outbound policy (redirects checked per hop), at most
    openapi.MAX_BYTES (+1, to tell it is over), bounded in time."""
    with outbound.client(follow_redirects=True, agent="SchemaFetch") as client:
        headers = {"Accept": "application/json, application/yaml, text/yaml, */*"}
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise ValidationError(f"The URL answered {response.status_code}, not 200.")
            return outbound.read_limited(
                response, openapi.MAX_BYTES + 1, seconds=settings.OUTBOUND_TIMEOUT_SECONDS
            )


def _failed(schema: ApiSchema, why: str) -> bool:
    ApiSchema.objects.filter(pk=schema.pk, status=ApiSchema.Status.PENDING).update(
        status=ApiSchema.Status.FAILED, error=why[:300]
    )
    return False


def _text(value: object, what: str, limit: int) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise ValidationError(f"The {what} holds a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"The {what} holds a lone surrogate.") from None
    if len(text) > limit:
        raise ValidationError(f"The {what} is over {limit:,} characters.")
    return text


def check_report(schema: ApiSchema, fields: dict) -> dict:
    """The report's fields, cleaned; ValidationError(dict) naming each bad field."""
    errors: dict[str, str] = {}
    operation = str(fields.get("operation") or "")
    method, _, path = operation.partition(" ")
    method = method.upper()
    if not schema.is_ready or openapi.operation(schema.document, path, method) is None:
        errors["operation"] = "Pick an endpoint and method from the schema."
    request_path = str(fields.get("request_path") or "").strip() or path
    if not request_path.startswith("/") or any(c in request_path for c in "\r\n "):
        errors["request_path"] = "The path sent starts with / and holds no spaces: /users/42."
    else:
        try:
            _text(request_path[:500], "path sent", 500)
        except ValidationError as exc:
            errors["request_path"] = exc.messages[0]
    try:
        status = int(str(fields.get("status") or ""))
        if not 100 <= status <= 599:
            raise ValueError
    except ValueError:
        errors["status"] = "The status is a number from 100 to 599."
        status = 0
    cleaned = {"method": method, "path": path, "request_path": request_path[:500], "status": status}
    for name, what, limit in (
        ("request_headers", "request headers", HEADERS_MAX),
        ("request_body", "request body", BODY_MAX),
        ("response_body", "response body", BODY_MAX),
    ):
        try:
            cleaned[name] = _text(fields.get(name), what, limit)
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    if "request_headers" not in errors:
        cleaned["request_headers"] = _without_credentials(cleaned["request_headers"])
    if "response_body" not in errors:
        try:
            json.loads(cleaned["response_body"])
        except (ValueError, RecursionError) as exc:
            errors["response_body"] = f"The response body is not JSON: {exc}"
    if errors:
        raise ValidationError(errors)
    return cleaned


CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
CREDENTIAL_WORDS = ("token", "secret", "key", "password", "session", "csrf")


def _without_credentials(headers: str) -> str:
    """The pasted headers with every credential's value replaced: the card is read by the whole
    board, and a curl line that reproduces the request needs the reader's own token anyway."""
    lines = []
    for line in headers.splitlines():
        name, colon, _ = line.partition(":")
        key = name.strip().lower()
        if colon and (key in CREDENTIAL_HEADERS or any(word in key for word in CREDENTIAL_WORDS)):
            line = f"{name.strip()}: <redacted>"
        lines.append(line)
    return "\n".join(lines)


def report_problem(*, board: Board, user: User, schema: ApiSchema, fields: dict) -> ApiReport:
    """A card on `board` saying what `fields`' endpoint answered, bound to `schema`."""
    if not policies.can_report(user, board) or schema.team_id != board.team_id:
        raise PermissionDenied("You cannot report on this board.")
    cleaned = check_report(schema, fields)
    report = ApiReport(schema=schema, **cleaned)
    title = f"{cleaned['method']} {cleaned['path']} answered {cleaned['status']}"
    problem = _problem_text(report, str(fields.get("note") or "")[:4000])
    with transaction.atomic():
        card = board_actions.create_card(
            board=board, user=user, title=title[:200], problem=problem, tags=["API"]
        )
        report.card, report.created_by = card, user
        report.save()
    return report


def _problem_text(report: ApiReport, note: str) -> str:
    lines = [note.strip(), ""] if note.strip() else []
    lines += [
        f"`{report.method} {report.request_path}` answered **{report.status}**.",
        "",
        f"Schema v{report.schema.version}; the card shows the expected shape and a curl line.",
    ]
    return "\n".join(lines)


def report_for(card: Card) -> ApiReport | None:
    return ApiReport.objects.select_related("schema__team").filter(card=card).first()


def set_hub_public(*, team: Team, user: User, public: bool) -> HubSettings:
    if not policies.can_publish_hub(user, team):
        raise PermissionDenied("Only the team's owners make its hub public.")
    hub, _ = HubSettings.objects.update_or_create(
        team=team, defaults={"is_public": bool(public), "updated_by": user}
    )
    team.hub = hub
    return hub
