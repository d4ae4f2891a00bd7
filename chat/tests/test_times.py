"""The message partial's time filters give what Django's |date gives, for any zone and language."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import timezone as django_timezone
from django.utils import translation

TEMPLATE = "{% load times %}{{ d|date:'c' }}|{{ d|iso }}|{{ d|date:'M j, H:i' }}|{{ d|short_time }}"
MOMENTS = [
    datetime(2026, 12, 2, 13, 5, 7, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # a daylight-saving change in Paris
    datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=3))),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"])
@pytest.mark.parametrize("language", ["en-us", "fr", "de"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_it_writes_what_the_date_filter_writes(zone: str, language: str, moment: datetime) -> None:
    template = engines["django"].from_string(TEMPLATE)
    with django_timezone.override(ZoneInfo(zone)), translation.override(language):
        by_date, by_iso, by_date_short, by_short_time = template.render({"d": moment}).split("|")
    assert by_iso == by_date
    assert by_short_time == by_date_short


def test_it_writes_nothing_for_no_time() -> None:
    template = engines["django"].from_string("{% load times %}[{{ d|iso }}][{{ d|short_time }}]")
    assert template.render({"d": None}) == "[][]"
