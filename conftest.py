"""Test people: alice owns Project Nexus, bob is a member, vera a viewer, charlie an outsider."""

import contextlib
import os
from functools import cache

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import Membership, Role, Team, User

PASSWORD = "correct-horse-battery-staple"


@cache
def _password_hash() -> str:
    """Hash once per run: the real hasher is slow on purpose, and every test makes people."""
    return make_password(PASSWORD)


def make_person(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, display_name=name)
    user.password = _password_hash()
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits, presence, used tokens and the kinds of event teams' webhooks want live in
    caches: no test sees another's."""
    from django.core.cache import cache

    from webhooks import outbox

    cache.clear()
    outbox.forget_all()
    yield
    cache.clear()
    outbox.forget_all()


@pytest.fixture
def alice(db) -> User:
    return make_person("alice@example.com", "Alice")


@pytest.fixture
def bob(db) -> User:
    return make_person("bob@example.com", "Bob")


@pytest.fixture
def vera(db) -> User:
    return make_person("vera@example.com", "Vera")


@pytest.fixture
def charlie(db) -> User:
    return make_person("charlie@example.com", "Charlie")


@pytest.fixture
def team(alice: User, bob: User, vera: User) -> Team:
    team = Team.objects.create(name="Project Nexus", slug="project-nexus")
    Membership.objects.create(team=team, user=alice, role=Role.OWNER)
    Membership.objects.create(team=team, user=bob, role=Role.MEMBER)
    Membership.objects.create(team=team, user=vera, role=Role.VIEWER)
    return team


@pytest.fixture
def as_person(client, alice, bob, vera, charlie):
    """`as_person("bob")`: the test client, signed in as that person ("anonymous": nobody)."""
    people = {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}

    def sign_in(who: str):
        if who != "anonymous":
            client.force_login(people[who])
        return client

    return sign_in


def pytest_configure(config: pytest.Config) -> None:
    """CI must test against the real services, never the embedded fallback. Connections are
    not kept between requests in tests: a socket test's database thread would otherwise still
    hold one when the test database is dropped."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    if os.environ.get("CI") == "true":
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            pytest.exit(f"CI=true but {', '.join(missing)} unset: start the services first")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tasks queued after a test's commit with no worker to take them (this run's own queue,
    see tests/settings.py) do not stay on the shared broker."""
    from nexus_live.celery import app

    if not app.conf.task_always_eager:
        with contextlib.suppress(Exception):  # the broker is down: nothing is left there
            app.control.purge()
