"""Reads of the hub app: what a card's page shows of its API report."""

import json

from hub.models import ApiReport


def report_context(card) -> dict | None:
    """What a card's page shows of its API report (none: not a report)."""
    found = ApiReport.objects.select_related("schema__team").filter(card=card).first()
    if found is None:
        return None
    which, _ = found.expected()
    try:
        observed = json.dumps(found.observed(), indent=2, ensure_ascii=False)
    except ValueError:
        observed = found.response_body
    shape = found.expected_shape()
    return {
        "report": found,
        "expected_key": which,
        "expected": None if shape is None else json.dumps(shape, indent=2, ensure_ascii=False),
        "observed": observed,
        "differences": found.differences(),
        "curl": found.curl(),
    }
