"""Database side of the bench: people with signed-in sessions, rooms, and the persistence check.

Runs in the orchestrator process after `django.setup()` against the bench database, never inside
an event loop (the load generator runs in `asyncio.run` between these calls).
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import User
from chat.models import Message, Room

BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Person:
    pk: int
    cookie: str  # "sessionid=..."


def make_people(count: int) -> list[Person]:
    """`count` verified people, each with a fresh signed-in database session."""
    password = make_password(None)  # unusable, hashed once
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"bench{i}@bench.invalid", display_name=f"Bench {i}", password=password)
            for i in range(count)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        expires = timezone.now() + timedelta(days=1)
        sessions, people = [], []
        for user in users:
            store = SessionStore()
            key = store._get_new_session_key()
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: BACKEND,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            people.append(Person(user.pk, f"sessionid={key}"))
        Session.objects.bulk_create(sessions)
    return people


def make_rooms(prefix: str, count: int, creator_pk: int) -> list[str]:
    """`count` public rooms; returns their slugs."""
    rooms = Room.objects.bulk_create(
        Room(name=f"{prefix} {i}", slug=f"{prefix}-{i}", created_by_id=creator_pk)
        for i in range(count)
    )
    return [r.slug for r in rooms]


@dataclass(frozen=True)
class Persisted:
    rows: int
    distinct_seq: int
    min_seq: int
    max_seq: int
    last_seq: int

    def ok(self, expected: int) -> bool:
        return (
            self.rows == self.distinct_seq == self.max_seq == self.last_seq == expected
            and self.min_seq == (1 if expected else 0)
        )


def persisted(slugs: list[str]) -> dict[str, Persisted]:
    """What the database holds for each room: rows, distinct seqs, seq range, room.last_seq."""
    last = dict(Room.objects.filter(slug__in=slugs).values_list("slug", "last_seq"))
    stats = {
        row["room__slug"]: row
        for row in Message.objects.filter(room__slug__in=slugs)
        .values("room__slug")
        .annotate(
            rows=Count("id"),
            distinct_seq=Count("seq", distinct=True),
            min_seq=Min("seq"),
            max_seq=Max("seq"),
        )
    }
    result = {}
    for slug in slugs:
        row = stats.get(slug, {})
        result[slug] = Persisted(
            rows=row.get("rows", 0),
            distinct_seq=row.get("distinct_seq", 0),
            min_seq=row.get("min_seq") or 0,
            max_seq=row.get("max_seq") or 0,
            last_seq=last.get(slug, 0),
        )
    return result
