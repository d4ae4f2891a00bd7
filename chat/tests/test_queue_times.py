"""Response times per room and week (decision 023): seeded timestamps, the medians and p90s
asserted; bounded to the last 12 weeks; only the rooms a mentor sees; the page and its table."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from chat import actions, queries
from chat.models import Message
from chat.templatetags.times import duration_text
from conftest import make_person

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday; its week: Mon 2026-11-30
HOUR = 3600


@pytest.fixture
def maya(team):
    person = make_person("maya@example.com", "Maya")
    person.track = "mentor"
    person.save()
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


def _question(room, asker, helper, key, *, asked, reply_after=None, resolved_after=None):
    """A question asked at `asked`, answered by `helper` after `reply_after` hours and
    resolved after `resolved_after` hours (None: not)."""
    question = actions.post_message(
        room=room, author=asker, body=f"Why {key}?", client_id=key
    ).message
    Message.objects.filter(pk=question.pk).update(created_at=asked)
    if reply_after is not None:
        reply = actions.post_message(
            room=room, author=helper, body="Because.", client_id=f"r-{key}", parent=question
        ).message
        at = asked + datetime.timedelta(hours=reply_after)
        Message.objects.filter(pk=reply.pk).update(created_at=at)
    if resolved_after is not None:
        at = asked + datetime.timedelta(hours=resolved_after)
        Message.objects.filter(pk=question.pk).update(resolved_at=at)
    return question


def _week(times, room, week):
    (shown,) = [r for r in times["rooms"] if r["id"] == room.pk]
    return next(w for w in shown["weeks"] if w["week"] == week)


def test_medians_and_p90_per_room_and_week(alice, bob, maya, general, private_room):
    monday = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for key, reply, done in [("a", 1, 2), ("b", 2, 4), ("c", 3, 6), ("d", 4, None), ("e", 10, 20)]:
        _question(general, bob, alice, key, asked=monday, reply_after=reply, resolved_after=done)
    _question(general, bob, alice, "f", asked=monday)  # no reply yet, not resolved
    last_week = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    _question(general, bob, alice, "g", asked=last_week, reply_after=0.5, resolved_after=1)
    _question(private_room, bob, alice, "h", asked=monday, reply_after=8, resolved_after=8)
    times = queries.response_times(maya, now=NOW)
    assert len(times["weeks"]) == 12 and times["weeks"][-1] == "2026-11-30"
    week = _week(times, general, "2026-11-30")
    assert (week["asked"], week["replied"], week["resolved"]) == (6, 5, 4)
    assert week["first_reply"]["median"] == 3 * HOUR  # of 1, 2, 3, 4, 10 h
    assert week["first_reply"]["p90"] == pytest.approx(7.6 * HOUR)  # 4 + 0.6 * (10 - 4)
    assert week["resolution"]["median"] == 5 * HOUR  # of 2, 4, 6, 20 h
    assert week["resolution"]["p90"] == pytest.approx(15.8 * HOUR)  # 6 + 0.7 * (20 - 6)
    before = _week(times, general, "2026-11-23")
    assert before["first_reply"] == {"median": 0.5 * HOUR, "p90": 0.5 * HOUR}
    assert _week(times, general, "2026-11-16")["first_reply"] is None  # nothing asked
    assert _week(times, private_room, "2026-11-30")["resolution"]["median"] == 8 * HOUR


def test_the_askers_own_reply_is_no_first_reply(alice, bob, maya, general):
    monday = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    question = _question(general, bob, bob, "own", asked=monday, reply_after=1)
    reply = actions.post_message(
        room=general, author=alice, body="Here.", client_id="later", parent=question
    ).message
    Message.objects.filter(pk=reply.pk).update(created_at=monday + datetime.timedelta(hours=5))
    week = _week(queries.response_times(maya, now=NOW), general, "2026-11-30")
    assert week["first_reply"]["median"] == 5 * HOUR


def test_only_the_last_twelve_weeks_and_visible_rooms(alice, bob, charlie, general, private_room):
    old = datetime.datetime(2026, 9, 6, 9, 0, tzinfo=UTC)  # 13 weeks back: left out
    _question(general, bob, alice, "old", asked=old, reply_after=1)
    _question(private_room, bob, alice, "p", asked=NOW, reply_after=1)
    otto = make_person("otto@example.com", "Otto")
    otto.track = "mentor"
    otto.save()
    times = queries.response_times(otto, now=NOW)
    assert times["rooms"] == []  # the old one is too old, the private one not his to see


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), ("", "—"), (40, "40 s"), (12 * 60, "12 min"), (3.5 * HOUR, "3.5 h"),
     (50 * HOUR, "2.1 d")],
)  # fmt: skip
def test_durations_read_as_seconds_minutes_hours_days(seconds, text):
    assert duration_text(seconds) == text


def test_the_page_draws_a_chart_and_a_table(client, alice, bob, maya, general):
    from django.utils import timezone

    _question(general, bob, alice, "a", asked=timezone.now(), reply_after=2, resolved_after=3)
    client.force_login(maya)
    html = client.get(reverse("queue:times")).content.decode()
    assert f'class="queue-chart" data-room="{general.pk}"' in html
    assert "<table" in html and "2.0 h" in html and "3.0 h" in html
    assert 'id="queue-times-data"' in html and "queue_times.js" in html
    assert "style=" not in html


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_the_page_is_for_mentors(client, alice, bob, charlie, who):
    client.force_login({"alice": alice, "bob": bob, "charlie": charlie}[who])
    assert client.get(reverse("queue:times")).status_code == 403
