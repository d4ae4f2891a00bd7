"""Times as messages show them, cheap enough for a push of every new message.

`|date` formats through the translation machinery on every call (a third of the message
partial's render); these give the same text: `iso` is `|date:'c'`, `short_time` is
`|date:"M j, H:i"`, formatted once per minute and language shown (a burst shares one).
"""

import functools
from datetime import datetime

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language

register = template.Library()


@register.filter(expects_localtime=True)
def iso(value: datetime | None) -> str:
    return value.isoformat() if isinstance(value, datetime) else ""


@register.filter(expects_localtime=True)
def short_time(value: datetime | None) -> str:
    if not isinstance(value, datetime):
        return ""
    return _short_time(value.year, value.month, value.day, value.hour, value.minute, get_language())


@functools.lru_cache(maxsize=1024)
def _short_time(year: int, month: int, day: int, hour: int, minute: int, language: str) -> str:
    return date_format(datetime(year, month, day, hour, minute), "M j, H:i")


def waiting_text(seconds: float) -> str:
    """How long a question has waited, as the help queue says it: "4 min", "3 h", "2 d"."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


@register.filter
def waiting(value: datetime | None) -> str:
    """`waiting_text` of the time since `value` (the queue's script keeps it current)."""
    if not isinstance(value, datetime):
        return ""
    from django.utils import timezone

    return waiting_text((timezone.now() - value).total_seconds())


def duration_text(seconds: object) -> str:
    """A response time as the charts' table says it: "40 s", "12 min", "3.5 h", "2.1 d"."""
    if not isinstance(seconds, int | float):
        return "—"
    if seconds < 60:
        return f"{round(seconds)} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@register.filter
def duration(seconds: object) -> str:
    return duration_text(seconds)
