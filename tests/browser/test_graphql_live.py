"""GraphQL subscriptions against a real daphne: a message posted from a room's page reaches a
graphql-transport-ws client, and GraphiQL itself runs a subscription over /graphql/'s socket."""

import json
import time

import pytest
from playwright.sync_api import expect
from websockets.sync.client import ClientConnection, connect

from api import tokens
from chat.models import Room

pytestmark = pytest.mark.django_db(transaction=True)

ROOM_MESSAGES = """subscription($since: Int) { roomMessages(room: "general", since: $since) {
  type event message { id seq body author { name } } } }"""


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)


def _post_from_the_page(page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def _next(ws: ClientConnection, *, within: float = 10) -> dict:
    """The next subscription result (answering pings on the way)."""
    deadline = time.monotonic() + within
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == "ping":
            ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["roomMessages"]


def test_a_subscriber_receives_what_a_browser_posts(
    new_person_page, live_server_url, alice, bob, general
):
    page = new_person_page(bob)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")

    address = live_server_url.replace("http://", "ws://") + "/graphql/"
    with connect(address, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        access = tokens.sign_in(alice).access
        ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {access}"}}
            )
        )
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": ROOM_MESSAGES, "variables": {"since": general.last_event}}
        ws.send(json.dumps({"id": "general", "type": "subscribe", "payload": payload}))
        assert _next(ws)["type"] == "synced"  # joined the room's group: nothing can be missed

        _post_from_the_page(page, "Who has the **GraphQL** notes?")
        got = _next(ws)
        assert got["type"] == "message"
        assert got["message"]["body"] == "Who has the **GraphQL** notes?"
        assert got["message"]["author"] == {"name": "Bob"}
        assert got["message"]["seq"] == 1
        assert got["event"] > general.last_event


def test_graphiql_runs_a_subscription_over_the_socket(
    new_person_page, console_errors, alice, bob, general
):
    ana, ben = new_person_page(alice), new_person_page(bob)
    # GraphiQL keeps the editor's text in localStorage: the page opens with this subscription.
    query = """subscription { roomMessages(room: "general", since: 0) {
  type message { body author { name } } } }"""
    ana.evaluate("q => localStorage.setItem('graphiql:query', q)", query)
    ana.goto("/graphql/")
    editor = ana.locator(".graphiql-query-editor")
    expect(editor).to_contain_text("roomMessages")
    ana.get_by_role("button", name="Execute query").click()
    response = ana.locator(".result-window")
    expect(response).to_contain_text(
        '"synced"'
    )  # subscribed over the socket, signed in by the session

    ben.goto("/rooms/general/")
    expect(ben.locator("#connection")).to_have_text("Live")
    _post_from_the_page(ben, "Seen from GraphiQL")
    expect(response).to_contain_text("Seen from GraphiQL")
    expect(response).to_contain_text('"name": "Bob"')
    assert console_errors(ana) == []
