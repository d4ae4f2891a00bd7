"""Boards for the board tests: the team's private board, a public one, and one of another team."""

import pytest

from accounts.models import Membership, Role, Team
from boards import actions


@pytest.fixture
def board(team, alice):
    return actions.create_board(user=alice, name="Real-world challenges", team=team)


@pytest.fixture
def public_board(alice):
    return actions.create_board(user=alice, name="Open board")


@pytest.fixture
def other_board(charlie):
    other = Team.objects.create(name="Other", slug="other")
    Membership.objects.create(team=other, user=charlie, role=Role.OWNER)
    return actions.create_board(user=charlie, name="Theirs", team=other)


@pytest.fixture
def card(board, alice):
    return actions.create_card(
        board=board, user=alice, title="Slow API", solution="line 1\nline 2\nline 3\n"
    )
