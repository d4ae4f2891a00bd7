"""GraphQL errors with the REST API's problem codes in `extensions.code` (docs/api.md): the
domain's own errors map to the same codes as over REST, anything else says nothing of the
inside (logged, `server_error`)."""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from graphql import GraphQLError, GraphQLSyntaxError

from api import tokens
from boards.actions import EditConflict
from nexus_live.ratelimit import RateLimited

log = logging.getLogger(__name__)
SERVER_ERROR = "Something went wrong on our side; it is logged."


class Failure(GraphQLError):
    """An error a client can switch on: `extensions.code` plus whatever else it carries."""

    def __init__(self, code: str, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def failure(exc: Exception) -> Failure | None:
    """The GraphQL error a domain error is, as REST answers it (api/problems.py); None for a
    bug."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, RateLimited):
        return Failure("rate_limited", exc.messages[0], retry_after=round(exc.retry_after, 1))
    if isinstance(exc, EditConflict):
        from api.gql.types import Card  # the conflict answers the current card

        return Failure("edit_conflict", str(exc), fields=exc.fields, card=Card.json(exc.card))
    if isinstance(exc, ValidationError):
        return Failure("invalid", " ".join(exc.messages))
    if isinstance(exc, PermissionDenied):
        return Failure("forbidden", str(exc) or "You may not do that.")
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return Failure("not_found", "Nothing here, or not for you.")
    if isinstance(exc, tokens.TokenError):
        return Failure(exc.code, exc.detail)
    return None


def describe(error: GraphQLError) -> bool:
    """Give `error` its code (and, for a bug, a message that hides the inside), in place.
    True if it is a bug, to be logged."""
    if error.extensions and "code" in error.extensions:
        return False
    original = error.original_error
    if original is None:  # the document itself: not GraphQL, or not valid against the schema
        code = "parse_error" if isinstance(error, GraphQLSyntaxError) else "invalid"
        error.extensions = {**(error.extensions or {}), "code": code}
        return False
    known = failure(original)
    if known is not None:
        error.message = known.message
        error.extensions = known.extensions
        return False
    if isinstance(original, GraphQLError):  # e.g. a variable of the wrong type
        error.extensions = {**(error.extensions or {}), "code": "invalid"}
        return False
    error.message = SERVER_ERROR
    error.extensions = {"code": "server_error"}
    return True
