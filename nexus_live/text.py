"""Cleaning text people send: every action passes input through these before storing it."""

from django.core.exceptions import ValidationError


def plain_text(value: object, what: str) -> str:
    """A str without NUL characters (PostgreSQL refuses them) and with \\n line endings."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} is text.")
    return value.replace("\x00", "").replace("\r\n", "\n")


def one_line(value: object, what: str) -> str:
    """A name or title: one line, single spaces."""
    return " ".join(plain_text(value, what).split())
