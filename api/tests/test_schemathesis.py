"""Property-based: requests generated from our own schema, valid and not, against the app.
No answer may be a 5xx, and every answer must match what the schema declares for it.

Left out: "a schema-valid request is accepted". A schema cannot say which teams, rooms or
versions exist, so a well-formed request for a team that is not yours is rightly a 400/404."""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from api.tokens import sign_in
from boards import actions as board_actions
from chat import actions as chat_actions

app = WSGIHandler()  # in this thread, inside the test's transaction
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)


@pytest.fixture
def in_the_tests_transaction():
    """Requests keep the test's connection, as Django's test client does (between requests a
    handler closes connections, which would end the transaction every test runs in)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def headers(alice, team, in_the_tests_transaction):
    room = chat_actions.create_room(user=alice, name="general")
    chat_actions.post_message(room=room, author=alice, body="first?", client_id="c1")
    board = board_actions.create_board(user=alice, name="B", team=team)
    board_actions.create_card(board=board, user=alice, title="T")
    return {"Authorization": f"Bearer {sign_in(alice).access}"}


@override_settings(API_RATE_BURST=100_000, CHAT_RATE_BURST=100_000)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_own_schema(case, headers):
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
