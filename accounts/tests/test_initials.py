"""Avatar initials: letters or digits only, something readable for any name."""

import pytest

from accounts.models import User


@pytest.mark.parametrize(
    ("display_name", "email", "initials"),
    [
        ("Alice Smith", "a@example.com", "AS"),
        ("alice", "a@example.com", "A"),
        ("J. R. R. Tolkien", "j@example.com", "JR"),
        ("!!!", "bang@example.com", "B"),
        ("🙂", "smile@example.com", "S"),
        ("🙂 Ana", "x@example.com", "A"),
        ("(Bob) [the builder]", "b@example.com", "BT"),
        ("李小龙", "l@example.com", "李"),
        ("ßig", "s@example.com", "ß"),
        ("", "émile@example.com", "É"),
        ("!!!", "__@example.com", "E"),  # the domain's letter: still something
        ("7 Samurai", "s@example.com", "7S"),
    ],
)
def test_initials(display_name, email, initials):
    assert User(display_name=display_name, email=email).initials == initials


def test_it_falls_back_to_a_question_mark():
    assert User(display_name="!!!", email="@").initials == "?"
