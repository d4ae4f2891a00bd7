"""/graphql/ over HTTP: every field and mutation through the same queries, actions and policies
as REST, for each kind of person; tokens and the session; errors with REST's codes; hostile
input answered, never a 500."""

import pytest
from django.test import Client, override_settings

from api import tokens
from boards import actions as board_actions
from chat import actions as chat_actions
from chat.models import LinkPreview, Message, MessagePreview

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice"]  # outsider, viewer, member, owner


def ask(query: str, variables: dict | None = None, *, token: str | None = None, client=None):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql/",
        {"query": query, "variables": variables or {}},
        content_type="application/json",
        **headers,
    )
    return response


def codes(response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


@pytest.fixture
def world(team, alice, bob, vera, charlie):
    """A team's private room with Bob's question in it, and the team's board with a card."""
    room = chat_actions.create_room(user=alice, name="nexus", team=team, is_private=True)
    question = chat_actions.post_message(
        room=room, author=bob, body="Why is my cursor slow?", client_id="q1"
    ).message
    board = board_actions.create_board(user=alice, name="Challenges", team=team)
    card = board_actions.create_card(board=board, user=alice, title="Slow cursor")
    link = LinkPreview.objects.create(url="https://example.org/", status="ready", title="Ex")
    preview = MessagePreview.objects.create(message=question, preview=link, position=0)
    people = {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}
    return {
        "room": room,
        "message": question,
        "board": board,
        "card": card,
        "preview": preview,
        "column": card.column_id,
        "token": lambda who: None if who == "anonymous" else tokens.sign_in(people[who]).access,
    }


READS = {
    "me": ("{ me { id name } }", {}),
    "teams": ("{ teams { slug role members { name role } } }", {}),
    "rooms": ("{ rooms { slug unread } }", {}),
    "room": (
        "query($slug: String!) { room(slug: $slug) "
        "{ slug messages(limit: 5) { results { id } } } }",
        {"slug": "nexus"},
    ),
    "message": ("query($id: Int!) { message(id: $id) { body } }", {"id": "message"}),
    "mentions": ("{ mentions { room seen message { body } } }", {}),
    "search": ('{ search(q: "cursor") { body } }', {}),
    "boards": ("{ boards { id name } }", {}),
    "board": (
        "query($id: Int!) { board(id: $id) { name columns { name cards { title } } } }",
        {"id": "board"},
    ),
    "card": ("query($id: Int!) { card(id: $id) { title version } }", {"id": "card"}),
}
# What each person gets from reading the team's private room and board (lists: never an error).
READ_EXPECTED = {"anonymous": "not_authenticated", "charlie": "not_found"}
LISTS = {"me", "teams", "rooms", "boards", "mentions", "search"}


def _variables(world, variables: dict) -> dict:
    objects = ("message", "board", "card")
    return {k: world[v].pk if v in objects else v for k, v in variables.items()}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("field", list(READS))
def test_every_read_answers_each_person_as_rest_does(world, who, field):
    query, variables = READS[field]
    response = ask(query, _variables(world, variables), token=world["token"](who))
    assert response.status_code == 200
    expected = READ_EXPECTED.get(who)
    if field in LISTS and who == "charlie":
        expected = None  # his own (empty) lists
    if expected is None:
        assert codes(response) == [], response.json()
        data = response.json()["data"][field]
        if who == "charlie" and field in ("rooms", "boards", "teams", "mentions", "search"):
            assert data == []  # the team's private room and board are not his to see
    else:
        assert codes(response) == [expected]
        assert response.json()["data"] is None


MUTATIONS = {
    "postMessage": (
        'mutation($room: String!) { postMessage(room: $room, body: "hi", clientId: "c-1") '
        "{ message { body } replayed } }",
        {"room": "nexus"},
    ),
    "editMessage": (
        'mutation($id: Int!) { editMessage(id: $id, body: "Why is my cursor slow??") { body } }',
        {"id": "message"},
    ),
    "deleteMessage": (
        "mutation($id: Int!) { deleteMessage(id: $id) { deleted } }",
        {"id": "message"},
    ),
    "react": (
        'mutation($id: Int!) { react(id: $id, emoji: "👍") { reacted } }',
        {"id": "message"},
    ),
    "resolve": ("mutation($id: Int!) { resolve(id: $id) { resolved } }", {"id": "message"}),
    "removePreview": (
        "mutation($id: Int!, $preview: Int!) { removePreview(id: $id, preview: $preview) "
        "{ previews { id } } }",
        {"id": "message", "preview": "preview"},
    ),
    "markRead": (
        'mutation { markRead(room: "nexus", seq: 1) { lastReadSeq unread } }',
        {},
    ),
    "createCard": (
        'mutation($id: Int!) { createCard(board: $id, card: {title: "New"}) { title } }',
        {"id": "board"},
    ),
    "updateCard": (
        "mutation($id: Int!) { updateCard(id: $id, baseVersion: 1, "
        'changes: {solution: "An index"}) { card { solution version } merged } }',
        {"id": "card"},
    ),
    "moveCard": (
        "mutation($id: Int!, $column: Int!) { moveCard(id: $id, column: $column) { column } }",
        {"id": "card", "column": "column"},
    ),
}
# Bob asked the question; Alice owns the team (and moderates); Vera only reads.
WRITE_EXPECTED = {
    "postMessage": {"vera": "forbidden"},
    "editMessage": {"vera": "forbidden", "alice": "forbidden"},
    "deleteMessage": {"vera": "forbidden"},
    "react": {"vera": "forbidden"},
    "resolve": {"vera": "forbidden"},
    "removePreview": {"vera": "forbidden", "alice": "forbidden"},
    "markRead": {},
    "createCard": {"vera": "forbidden"},
    "updateCard": {"vera": "forbidden"},
    "moveCard": {"vera": "forbidden"},
}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_every_mutation_is_allowed_exactly_as_the_policies_say(world, who, mutation):
    query, variables = MUTATIONS[mutation]
    if variables.get("column") == "column":
        variables = {**variables, "column": world["column"]}
        world = {**world, "column": world["column"]}
    given = {
        k: (world[v].pk if v in ("message", "board", "card", "preview") else v)
        for k, v in variables.items()
    }
    response = ask(query, given, token=world["token"](who))
    assert response.status_code == 200
    expected = {"anonymous": "not_authenticated", "charlie": "not_found"}.get(who)
    expected = expected or WRITE_EXPECTED[mutation].get(who)
    if expected is None:
        assert codes(response) == [], response.json()
    else:
        assert codes(response) == [expected], response.json()


def test_a_public_room_is_everyones_to_read_and_post_in(alice, charlie):
    chat_actions.create_room(user=alice, name="general")
    token = tokens.sign_in(charlie).access
    posted = ask(
        'mutation { postMessage(room: "general", body: "hello", clientId: "x") '
        "{ message { body author { name } } } }",
        token=token,
    )
    assert posted.json()["data"]["postMessage"]["message"] == {
        "body": "hello",
        "author": {"name": "Charlie"},
    }


def test_post_message_is_idempotent_by_client_id(world, bob):
    token = tokens.sign_in(bob).access
    query = (
        'mutation { postMessage(room: "nexus", body: "once", clientId: "retry-7") '
        "{ message { id seq } replayed } }"
    )
    first = ask(query, token=token).json()["data"]["postMessage"]
    again = ask(query, token=token).json()["data"]["postMessage"]
    assert first["replayed"] is False and again["replayed"] is True
    assert again["message"] == first["message"]
    assert Message.objects.filter(client_id="retry-7").count() == 1


def test_messages_page_by_seq_and_a_thread_has_its_replies(world, bob):
    room, question = world["room"], world["message"]
    for n in range(4):
        chat_actions.post_message(room=room, author=bob, body=f"m{n}", client_id=f"m{n}")
    chat_actions.post_message(room=room, author=bob, body="reply", client_id="r", parent=question)
    token = tokens.sign_in(bob).access
    query = """query($after: Int, $before: Int, $thread: Int) { room(slug: "nexus") {
        messages(after: $after, before: $before, limit: 2, thread: $thread) {
          results { seq body } hasMore nextAfter nextBefore } } }"""

    def page(**given):
        return ask(query, given, token=token).json()["data"]["room"]["messages"]

    newest = page()
    assert [m["body"] for m in newest["results"]] == ["m2", "m3"] and newest["hasMore"]
    older = page(before=newest["nextBefore"])
    assert [m["body"] for m in older["results"]] == ["m0", "m1"] and older["hasMore"]
    oldest = page(before=older["nextBefore"])
    assert [m["body"] for m in oldest["results"]] == ["Why is my cursor slow?"]
    assert not oldest["hasMore"]
    after = page(after=question.seq)
    assert [m["body"] for m in after["results"]] == ["m0", "m1"]
    thread = page(thread=question.pk)
    assert [m["body"] for m in thread["results"]] == ["Why is my cursor slow?", "reply"]
    both = ask(query, {"after": 1, "before": 3}, token=token)
    assert codes(both) == ["invalid"]


UPDATE = """mutation($id: Int!, $base: Int!, $changes: CardChanges!) {
  updateCard(id: $id, baseVersion: $base, changes: $changes) {
    card { title problem solution version } merged conflicts } }"""


def test_update_card_merges_an_edit_made_on_an_older_version(world, alice, bob):
    card = world["card"]
    board_actions.update_card(
        card=card, user=alice, base_version=1, changes={"problem": "Pages are slow."}
    )
    token = tokens.sign_in(bob).access
    changes = {"solution": "An index on (room, seq)."}
    saved = ask(UPDATE, {"id": card.pk, "base": 1, "changes": changes}, token=token).json()
    answer = saved["data"]["updateCard"]
    assert answer["merged"] is True and answer["conflicts"] == []
    assert answer["card"]["problem"] == "Pages are slow."
    assert answer["card"]["solution"] == "An index on (room, seq)."
    assert answer["card"]["version"] == 3


def test_update_card_refuses_a_true_overlap_with_the_current_card(world, alice, bob):
    card = world["card"]
    board_actions.update_card(card=card, user=alice, base_version=1, changes={"title": "Alice's"})
    token = tokens.sign_in(bob).access
    refused = ask(UPDATE, {"id": card.pk, "base": 1, "changes": {"title": "Bob's"}}, token=token)
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "edit_conflict"
    assert error["extensions"]["fields"] == ["title"]
    assert error["extensions"]["card"]["title"] == "Alice's"
    assert error["extensions"]["card"]["version"] == 2
    card.refresh_from_db()
    assert card.title == "Alice's"  # nothing saved


def test_update_card_from_a_version_that_does_not_exist_is_invalid(world, bob):
    token = tokens.sign_in(bob).access
    given = {"id": world["card"].pk, "base": 9, "changes": {"title": "x"}}
    assert codes(ask(UPDATE, given, token=token)) == ["invalid"]


def test_move_card_puts_it_in_another_column(world, alice):
    board, card = world["board"], world["card"]
    target = board_actions.add_column(board=board, user=alice, name="Done")
    token = tokens.sign_in(alice).access
    moved = ask(
        "mutation($id: Int!, $c: Int!) { moveCard(id: $id, column: $c) { column } }",
        {"id": card.pk, "c": target.pk},
        token=token,
    )
    assert moved.json()["data"]["moveCard"]["column"] == target.pk


# --- Tokens and the session --------------------------------------------------------------------
def test_an_expired_token_is_refused_with_401(bob):
    with override_settings(API_ACCESS_TOKEN_SECONDS=-60):
        token = tokens.sign_in(bob).access
    response = ask("{ me { id } }", token=token)
    assert response.status_code == 401
    assert codes(response) == ["token_expired"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_with_401(bob):
    pair = tokens.sign_in(bob)
    tokens.sign_out(pair.refresh)
    response = ask("{ me { id } }", token=pair.access)
    assert response.status_code == 401
    assert codes(response) == ["token_revoked"]


def test_a_garbled_authorization_header_is_refused(bob):
    response = Client().post(
        "/graphql/", {"query": "{ me { id } }"}, content_type="application/json",
        HTTP_AUTHORIZATION="Basic Ym9iOmh1bnRlcjI=",
    )  # fmt: skip
    assert response.status_code == 401
    assert codes(response) == ["token_invalid"]


def test_the_session_works_and_its_posts_need_the_csrf_token(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    assert client.get("/graphql/", {"query": "{ me { name } }"}).json() == {
        "data": {"me": {"name": "Bob"}}
    }
    refused = ask("{ me { name } }", client=client)
    assert refused.status_code == 403 and codes(refused) == ["forbidden"]
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/graphql/", {"query": "{ me { name } }"}, content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert allowed.json() == {"data": {"me": {"name": "Bob"}}}


def test_a_mutation_over_get_is_refused(bob):
    client = Client()
    client.force_login(bob)
    response = client.get("/graphql/", {"query": 'mutation { markRead(room: "x", seq: 1) { id } }'})
    assert response.status_code in (400, 405)
    assert codes(response) in (["method_not_allowed"], ["parse_error"])
    assert "mutation" in response.json()["errors"][0]["message"].lower()


# --- Hostile input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ room(slug: 7) { id } }", "invalid"),  # wrong type
        ("{ room(slug: ", "parse_error"),
        ("{ nothing }", "invalid"),
        ('{ room(slug: "nexus") { messages(limit: 100000) { hasMore } } }', "invalid"),
        ('{ room(slug: "nexus") { messages(limit: 99999999999) { hasMore } } }', "invalid"),
        ("{ " + "a: me { id } " * 30 + "}", "invalid"),  # aliases
        ("{ " + "me { id } " * 600 + "}", "parse_error"),  # tokens: parsing stops
    ],
)
def test_bad_queries_get_a_clear_error_not_a_500(world, bob, query, code):
    response = ask(query, token=tokens.sign_in(bob).access)
    assert response.status_code in (200, 400)
    assert codes(response)[0] == code, response.json()


def test_a_deep_query_is_refused_by_the_depth_limit(world, bob):
    deep = "{ teams { members { name } } }".replace("name", "name " + "x { " * 10 + "}" * 10)
    response = ask(deep, token=tokens.sign_in(bob).access)
    assert codes(response)[0] == "invalid"
    nested = '{ room(slug: "nexus") { messages { results { author { ' * 3 + "id" + " } } } }" * 3
    response = ask("{ me { id } }" if not nested else nested, token=tokens.sign_in(bob).access)
    assert response.status_code in (200, 400)
    assert "exceeds maximum operation depth" in response.content.decode() or codes(response)


def test_a_huge_body_is_refused_by_the_action(world, bob):
    response = ask(
        'mutation($b: String!) { postMessage(room: "nexus", body: $b, clientId: "big") '
        "{ replayed } }",
        {"b": "x" * 100_000},
        token=tokens.sign_in(bob).access,
    )
    assert codes(response) == ["invalid"]
    assert not Message.objects.filter(client_id="big").exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"query": 7}', b'{"query": "{ me { id } }", "variables": "x"}'],
)
def test_a_body_that_is_not_a_graphql_request_is_a_clear_400(bob, body):
    response = Client().post(
        "/graphql/", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens.sign_in(bob).access}",
    )  # fmt: skip
    assert response.status_code == 400
    assert codes(response) in (["parse_error"], ["invalid"])


def test_a_server_error_says_nothing_of_the_inside(bob, monkeypatch):
    from chat import queries as chat_queries

    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(chat_queries, "visible_rooms", broken)
    response = ask("{ rooms { id } }", token=tokens.sign_in(bob).access)
    assert codes(response) == ["server_error"]
    assert "hunter2" not in response.content.decode()


def test_introspection_stays_on(bob):
    response = ask("{ __schema { queryType { name } } }", token=tokens.sign_in(bob).access)
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


# --- GraphiQL ----------------------------------------------------------------------------------
@override_settings(GRAPHIQL=True)
def test_graphiql_loads_its_files_from_this_site_only(client, db):
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/vendor/graphiql/graphiql.min.js" in html
    assert "/static/js/graphiql.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    csp = page["Content-Security-Policy"]
    assert "'unsafe-inline'" in csp.split("style-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    answer = client.post("/graphql/", {"query": "{ __typename }"}, content_type="application/json")
    assert "'unsafe-inline'" not in answer.get("Content-Security-Policy", "")


@override_settings(GRAPHIQL=False)
def test_without_graphiql_a_browser_is_told_to_send_a_query(client, db):
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert page.status_code == 400
    assert codes(page) == ["invalid"]


def test_mentions_and_search_answer_as_rest_does(world, alice, bob, vera):
    chat_actions.post_message(
        room=world["room"], author=alice, body="@Bob try an index", client_id="m1"
    )
    query = "{ mentions { room seen message { body author { name } } } }"
    rest = Client()
    rest.force_login(bob)
    answer = ask(query, token=world["token"]("bob")).json()["data"]["mentions"]
    assert answer == [
        {
            "room": "nexus",
            "seen": False,
            "message": {"body": "@Bob try an index", "author": {"name": "Alice"}},
        }
    ]
    assert [m["message"]["body"] for m in rest.get("/api/v1/mentions/").json()] == [
        "@Bob try an index"
    ]
    found = ask('{ search(q: "cursor") { body } }', token=world["token"]("vera")).json()
    assert found["data"]["search"] == [{"body": "Why is my cursor slow?"}]
    empty = ask('{ search(q: "  ") { body } }', token=world["token"]("vera"))
    assert codes(empty) == ["invalid"]
