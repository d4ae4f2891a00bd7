"""Cleaning what people send: text before it is stored, numbers before they are used, words
before they are searched."""

from django.core.exceptions import ValidationError


def plain_text(value: object, what: str) -> str:
    """A str without NUL characters (PostgreSQL refuses them) and with \\n line endings; a
    lone surrogate (GraphQL's JSON can carry "\\ud800"; PostgreSQL cannot store it) is refused."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} is text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"{what} holds a lone surrogate, which is not text.") from None
    return value.replace("\x00", "").replace("\r\n", "\n")


def one_line(value: object, what: str) -> str:
    """A name or title: one line, single spaces."""
    return " ".join(plain_text(value, what).split())


BIGGEST = 2**62  # every id and seq fits a signed 64-bit column


def as_int(value: object) -> int:
    """A whole number from a frame or a query string; booleans, floats and "²" are not."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < BIGGEST:
        raise ValidationError("Expected a whole number.")
    return value


# Search, the same for messages and cards: PostgreSQL's text search configuration (the GIN indexes
# of chat's migration 0004 and boards' 0006 are built with it) and the longest query read.
SEARCH_CONFIG = "english"
SEARCH_MAX_QUERY = 200  # characters


def search_text(value: str) -> str:
    """What a search looks for: the query without surrounding space, cut at SEARCH_MAX_QUERY."""
    return value.strip()[:SEARCH_MAX_QUERY]
