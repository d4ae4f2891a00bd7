"""Test people: alice owns Project Nexus, bob is a member, vera a viewer, charlie an outsider."""

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Membership, Role, Team, User

PASSWORD = "correct-horse-battery-staple"


def make_person(email: str, name: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


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
