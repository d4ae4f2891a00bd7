"""OpenAPI documents a team registers: read (JSON or YAML, bounded), checked for the shape we
use (`openapi: 3.x`, a `paths` object), and asked what an operation answers. No library: the
structure we rely on is small, and openapi-spec-validator is only a test tool's dependency here."""

import json
import math
from typing import Any

import yaml
from django.core.exceptions import ValidationError

MAX_BYTES = 1024 * 1024  # a large real API's schema is a few hundred KB
MAX_NODES = 200_000  # YAML events read before we give up (a flat bomb without aliases)
MAX_DEPTH = 64  # $ref chains and nesting followed when showing a shape
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def parse(raw: bytes | str) -> dict:
    """The document in `raw` as plain JSON data, or ValidationError saying what is wrong."""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_BYTES:
        raise ValidationError(f"The schema is over {MAX_BYTES // 1024} KB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The schema is not UTF-8 text.") from None
    if not text.strip():
        raise ValidationError("The schema is empty.")
    if text.lstrip()[:1] in "{[":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValidationError(f"The schema is not valid JSON: {exc}") from None
    else:
        document = _yaml(text)
    return check(document)


def _yaml(text: str) -> Any:
    """YAML read safely: no tags that build objects (safe_load), no aliases at all (a
    "billion laughs" document is a few lines of them), and a bounded number of nodes."""
    try:
        for count, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                raise ValidationError("The schema uses YAML aliases (*name): write it out.")
            if count > MAX_NODES:
                raise ValidationError("The schema has too many YAML nodes.")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"The schema is neither JSON nor valid YAML: {exc}") from None
    except RecursionError:
        raise ValidationError("The schema is nested too deeply.") from None


def check(document: Any) -> dict:
    if not isinstance(document, dict):
        raise ValidationError("The schema must be an object (a mapping) at the top.")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        found = "nothing" if version is None else repr(version)[:40]
        raise ValidationError(f'`openapi` must be a 3.x version ("3.1.0"), not {found}.')
    info = document.get("info")
    if info is not None and not isinstance(info, dict):
        raise ValidationError("`info` must be an object.")
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise ValidationError("The schema needs a `paths` object.")
    for path, item in paths.items():
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValidationError(f"Path {str(path)[:80]!r} must start with /.")
        if not isinstance(item, dict):
            raise ValidationError(f"Path {path[:80]} must be an object of operations.")
        for method in METHODS:
            if method in item and not isinstance(item[method], dict):
                raise ValidationError(f"{method.upper()} {path[:80]} must be an object.")
    try:  # YAML dates and other non-JSON scalars become text; the stored form is JSON
        return _plain(document)
    except RecursionError:
        raise ValidationError("The schema is nested too deeply.") from None


def _plain(node: Any) -> Any:
    """`node` as JSON PostgreSQL stores: keys are text (YAML's may be dates, numbers, null),
    other scalars that are not JSON become text; no NUL, lone surrogate, NaN or infinity."""
    if isinstance(node, dict):
        return {_key(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, float) and not math.isfinite(node):
        raise ValidationError("The schema holds NaN or an infinity, which JSON has not.")
    if node is None or isinstance(node, (bool, int, float)):
        return node
    return _string(node if isinstance(node, str) else str(node))


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key)
    if key is None or isinstance(key, (bool, int, float)):
        return _string(json.dumps(key))
    return _string(str(key))


def _string(text: str) -> str:
    if "\x00" in text:
        raise ValidationError("The schema holds a NUL character (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("The schema holds a lone surrogate (\\ud800 and the like).") from None
    return text


def title_of(document: dict) -> tuple[str, str]:
    info = document.get("info") or {}
    title = str(info.get("title") or "Untitled API")[:120]
    return title, str(info.get("version") or "")[:40]


def operations(document: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(path, [(METHOD, summary), …]), …] in the document's order: a select grouped by path."""
    found = []
    for path, item in document.get("paths", {}).items():
        methods = [
            (method.upper(), str(item[method].get("summary") or "")[:120])
            for method in METHODS
            if isinstance(item.get(method), dict)
        ]
        if methods:
            found.append((path, methods))
    return found


def operation(document: dict, path: str, method: str) -> dict | None:
    item = document.get("paths", {}).get(path)
    if not isinstance(item, dict):
        return None
    found = item.get(method.lower())
    return found if isinstance(found, dict) else None


def server(document: dict) -> str:
    """The first absolute server URL, else a placeholder a reader replaces."""
    for entry in document.get("servers") or []:
        url = entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url.rstrip("/")
    return "http://localhost:8000"


def resolve(document: dict, node: Any, depth: int = 0) -> Any:
    """`node` with a local `$ref` ("#/components/schemas/User") followed; others left."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < MAX_DEPTH:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node, seen = target if target is not None else {}, seen + 1
    return node


def expected_response(document: dict, path: str, method: str, status: int) -> tuple[str, Any]:
    """(which response it is, its JSON schema) for the observed status: that status, its
    class (`4XX`), `default`, or else the first 2xx. ("", None) if the schema says nothing."""
    found = operation(document, path, method)
    responses = resolve(document, (found or {}).get("responses")) or {}
    if not isinstance(responses, dict):
        return "", None
    keys = [str(status), f"{str(status)[:1]}XX", "default"]
    keys += sorted(key for key in map(str, responses) if key.startswith("2"))
    for key in keys:
        if key in responses:
            answer = resolve(document, responses[key])
            content = answer.get("content") if isinstance(answer, dict) else None
            if not isinstance(content, dict):
                return key, None
            media = content.get("application/json") or next(
                (value for name, value in content.items() if "json" in name), None
            )
            schema = media.get("schema") if isinstance(media, dict) else None
            return key, schema
    return "", None


JSON_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}  # fmt: skip


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "unknown")


def _allowed_types(schema: dict) -> set[str]:
    declared = schema.get("type")
    types = set(declared) if isinstance(declared, list) else {declared} if declared else set()
    if schema.get("nullable"):
        types.add("null")
    if "properties" in schema and not types:
        types.add("object")
    return {str(kind) for kind in types}


def _fits(kind: str, allowed: set[str]) -> bool:
    return not allowed or kind in allowed or (kind == "integer" and "number" in allowed)


def shape(document: dict, schema: Any, depth: int = 0) -> Any:
    """A readable skeleton of a response schema: {"id": "integer", "tags": ["string"]}."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict) or depth > 12:
        return "any"
    for combiner in ("allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(combiner), list) and schema[combiner]:
            parts = [shape(document, part, depth + 1) for part in schema[combiner]]
            if combiner == "allOf" and all(isinstance(part, dict) for part in parts):
                merged: dict = {}
                for part in parts:
                    merged.update(part)
                return merged
            return " | ".join(str(part) if not isinstance(part, str) else part for part in parts)
    allowed = _allowed_types(schema)
    if "object" in allowed:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        return {
            (name if name in required else f"{name}?"): shape(document, sub, depth + 1)
            for name, sub in properties.items()
        }
    if "array" in allowed:
        return [shape(document, schema.get("items"), depth + 1)]
    return " | ".join(sorted(allowed)) or "any"


def differences(document: dict, schema: Any, observed: Any, where: str = "$", depth: int = 0):
    """Where `observed` departs from `schema`, structurally: missing required keys, keys the
    schema does not list, values of the wrong type. [(where, what, detail), …]"""
    found: list[tuple[str, str, str]] = []
    schema = resolve(document, schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return found
    if isinstance(schema.get("allOf"), list):
        merged: dict = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(document, part)
            if isinstance(part, dict):
                merged["properties"].update(part.get("properties") or {})
                merged["required"] += list(part.get("required") or [])
                if part.get("type"):
                    merged["type"] = part["type"]
        schema = merged
    elif isinstance(schema.get("oneOf") or schema.get("anyOf"), list):
        options = schema.get("oneOf") or schema.get("anyOf")
        tries = [differences(document, option, observed, where, depth + 1) for option in options]
        return min(tries, key=len) if tries else found
    kind, allowed = type_name(observed), _allowed_types(schema)
    if not _fits(kind, allowed):
        found.append((where, "type", f"expected {' or '.join(sorted(allowed))}, got {kind}"))
        return found
    if isinstance(observed, dict) and ("object" in allowed or "properties" in schema):
        properties = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in observed:
                found.append((f"{where}.{name}", "missing", "required, not in the response"))
        extra_allowed = schema.get("additionalProperties", True) is not False
        for name, value in observed.items():
            if name in properties:
                found += differences(
                    document, properties[name], value, f"{where}.{name}", depth + 1
                )
            elif not isinstance(schema.get("additionalProperties"), dict):
                detail = "not in the schema" + ("" if extra_allowed else " (not allowed)")
                found.append((f"{where}.{name}", "extra", detail))
    elif isinstance(observed, list) and schema.get("items") is not None:
        for index, item in enumerate(observed[:50]):  # the first items say enough
            found += differences(document, schema["items"], item, f"{where}[{index}]", depth + 1)
    return found
