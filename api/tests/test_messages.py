"""Rooms and messages over the API: the same actions as the pages, so the same rules."""

import pytest
from django.test import override_settings

from chat import actions
from chat.models import Message, Room


@pytest.fixture
def general(alice):
    return actions.create_room(user=alice, name="general")


@pytest.fixture
def nexus_room(alice, team):
    return actions.create_room(user=alice, name="nexus", team=team, is_private=True)


def post(client, room, body, key="k1", **extra):
    return client.post(
        f"/api/v1/rooms/{room.slug}/messages/",
        {"body": body, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_post_is_stored_and_answered_with_the_live_events_data(bearer, bob, general):
    response = post(bearer(bob), general, "Hello **there**")
    assert response.status_code == 201
    data = response.json()
    assert data["seq"] == 1 and data["author"]["name"] == "Bob"
    assert data["body_html"] == "<p>Hello <strong>there</strong></p>\n"
    assert Message.objects.get().body == "Hello **there**"


def test_a_retry_with_the_same_key_answers_the_first_message_and_stores_one(bearer, bob, general):
    client = bearer(bob)
    first = post(client, general, "once", key="retry-1")
    again = post(client, general, "once", key="retry-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 1


def test_a_post_needs_a_key(bearer, bob, general):
    response = bearer(bob).post(
        f"/api/v1/rooms/{general.slug}/messages/", {"body": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["", "   ", "x" * (actions.MAX_BODY + 1), "nul\x00byte", {"a": 1}, 7, None],
    ids=["empty", "blank", "too-long", "nul", "object", "number", "null"],
)
def test_bad_bodies_get_a_clear_problem_and_store_nothing(bearer, bob, general, body):
    response = post(bearer(bob), general, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]
    assert not Message.objects.exists()


def test_pages_of_messages_by_seq_in_both_directions(bearer, bob, general):
    for number in range(1, 8):
        actions.post_message(room=general, author=bob, body=f"m{number}", client_id=f"c{number}")
    client = bearer(bob)
    newest = client.get(f"/api/v1/rooms/{general.slug}/messages/?limit=3").json()
    assert [m["body"] for m in newest["results"]] == ["m5", "m6", "m7"]
    assert newest["has_more"] and newest["next_before"] == 5
    older = client.get(f"/api/v1/rooms/{general.slug}/messages/?limit=3&before=5").json()
    assert [m["body"] for m in older["results"]] == ["m2", "m3", "m4"]
    after = client.get(f"/api/v1/rooms/{general.slug}/messages/?after=5").json()
    assert [m["body"] for m in after["results"]] == ["m6", "m7"]
    assert not after["has_more"] and after["next_after"] == 7


@pytest.mark.parametrize("query", ["after=-1", "after=abc", "limit=0", "limit=101", "before=0"])
def test_bad_cursors_are_a_400_not_a_500(bearer, bob, general, query):
    response = bearer(bob).get(f"/api/v1/rooms/{general.slug}/messages/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@override_settings(CHAT_RATE_BURST=1000)
def test_page_queries_do_not_grow_with_the_page(
    bearer, bob, general, django_assert_max_num_queries
):
    for number in range(60):
        actions.post_message(room=general, author=bob, body=f"m{number}", client_id=f"c{number}")
    client = bearer(bob)
    with django_assert_max_num_queries(8):
        assert (
            len(client.get(f"/api/v1/rooms/{general.slug}/messages/?limit=100").json()["results"])
            == 60
        )


def test_edit_delete_react_resolve_and_read(bearer, alice, bob, general):
    client = bearer(bob)
    message = post(client, general, "Why?").json()
    url = f"/api/v1/rooms/{general.slug}/messages/{message['id']}/"
    edited = client.patch(url, {"body": "Why not?"}, format="json")
    assert edited.status_code == 200 and edited.json()["edited_at"]
    reacted = client.post(url + "reactions/", {"emoji": "👍"}, format="json").json()
    assert reacted["reacted"] and reacted["message"]["reactions"][0]["users"] == [bob.pk]
    assert client.post(url + "resolved/").json()["resolved"] is True
    assert client.delete(url + "resolved/").json()["resolved"] is False
    room = client.post(f"/api/v1/rooms/{general.slug}/read/", {"seq": 1}, format="json").json()
    assert room["last_read_seq"] == 1
    # Someone else's message is not Bob's to edit; the author may delete it.
    assert bearer(alice).patch(url, {"body": "mine now"}, format="json").status_code == 403
    assert client.delete(url).status_code == 204
    assert Message.objects.get().is_deleted


def test_room_list_counts_unread_and_create_makes_a_team_room_private(
    bearer, alice, bob, team, general
):
    actions.mark_read(room=general, user=bob, seq=0)
    actions.post_message(room=general, author=alice, body="hi", client_id="a1")
    rooms = bearer(bob).get("/api/v1/rooms/").json()
    assert rooms == [pytest.approx(rooms[0])] and rooms[0]["unread"] == 1
    made = bearer(bob).post("/api/v1/rooms/", {"name": "owls", "team": team.slug}, format="json")
    assert made.status_code == 201 and made.json()["private"] is True
    assert Room.objects.get(slug=made.json()["slug"]).team == team


# --- Who may do what -----------------------------------------------------------------------------
READS = [
    ("get", "/api/v1/rooms/{room}/"),
    ("get", "/api/v1/rooms/{room}/messages/"),
    ("get", "/api/v1/rooms/{room}/messages/{message}/"),
]
WRITES = [
    ("post", "/api/v1/rooms/{room}/messages/", {"body": "x"}),
    ("patch", "/api/v1/rooms/{room}/messages/{message}/", {"body": "x"}),
    ("delete", "/api/v1/rooms/{room}/messages/{message}/", None),
    ("post", "/api/v1/rooms/{room}/messages/{message}/reactions/", {"emoji": "👍"}),
    ("post", "/api/v1/rooms/{room}/messages/{message}/resolved/", None),
    ("post", "/api/v1/rooms/{room}/read/", {"seq": 1}),
]
# A private team room: who sees it, who writes in it (alice wrote the message).
EXPECTED_READ = {"anonymous": 401, "charlie": 404, "vera": 200, "bob": 200, "alice": 200}
EXPECTED_WRITE = {
    "anonymous": {401},
    "charlie": {404},  # an outsider learns nothing, not even that it exists
    "vera": {403},  # a viewer reads, never writes (read marks are hers: 200)
    "bob": {200, 201, 204, 403},
    "alice": {200, 201, 204},
}


@pytest.fixture
def people(alice, bob, vera, charlie):
    return {"alice": alice, "bob": bob, "vera": vera, "charlie": charlie}


@pytest.mark.parametrize("who", list(EXPECTED_READ))
@pytest.mark.parametrize(("method", "url"), READS)
def test_reading_a_private_room(api, bearer, people, nexus_room, alice, who, method, url):
    message = actions.post_message(room=nexus_room, author=alice, body="secret", client_id="s")
    client = api if who == "anonymous" else bearer(people[who])
    response = getattr(client, method)(url.format(room=nexus_room.slug, message=message.message.pk))
    assert response.status_code == EXPECTED_READ[who]
    if response.status_code != 200:
        assert "secret" not in response.content.decode()


@pytest.mark.parametrize("who", list(EXPECTED_WRITE))
@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_writing_in_a_private_room(api, bearer, people, nexus_room, alice, who, method, url, body):
    message = actions.post_message(room=nexus_room, author=alice, body="secret?", client_id="s")
    client = api if who == "anonymous" else bearer(people[who])
    response = getattr(client, method)(
        url.format(room=nexus_room.slug, message=message.message.pk),
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="w1",
    )
    expected = EXPECTED_WRITE[who]
    if who == "vera" and url.endswith("/read/"):
        expected = {200}
    if who == "bob" and method in ("patch", "delete"):
        expected = {403}  # alice's message
    assert response.status_code in expected, response.content
    if response.content:
        assert response["Content-Type"] in ("application/json", "application/problem+json")
