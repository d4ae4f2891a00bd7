"""/api/v1/dms/ and pins: a DM is a room of its members only; pins through the same action."""

import pytest

from chat import actions
from chat.models import Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def general(alice):
    return actions.create_room(user=alice, name="general")


@pytest.fixture
def dm(alice, bob):
    room = actions.open_direct(alice, [bob])
    actions.post_message(room=room, author=alice, body="secret", client_id="s1")
    return room


def test_it_lists_my_conversations(bearer, dm, alice, bob):
    (answer,) = bearer(bob).get("/api/v1/dms/").json()
    assert answer["id"] == dm.pk and answer["slug"] == dm.slug and answer["title"] == "Alice"
    assert answer["others"] == [{"id": alice.pk, "name": "Alice"}]
    assert answer["unread"] == 1 and answer["last_seq"] == 1 and answer["last_read_seq"] == 0


def test_it_opens_one_conversation_per_set_of_people(bearer, alice, bob, charlie):
    first = bearer(alice).post("/api/v1/dms/", {"people": [bob.pk, charlie.pk]}, format="json")
    assert first.status_code == 200
    again = bearer(charlie).post("/api/v1/dms/", {"people": [alice.pk, bob.pk]}, format="json")
    assert again.json()["id"] == first.json()["id"]
    assert Room.objects.filter(kind="direct").count() == 1


@pytest.mark.parametrize(
    ("people", "detail"),
    [([], "people"), ([999], "No such person"), (["x"], "people"), ([1, 2, 3, 4, 5, 6, 7, 8], "")],
)
def test_it_refuses_bad_people(bearer, alice, people, detail):
    response = bearer(alice).post("/api/v1/dms/", {"people": people}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert detail in str(response.json())


def test_my_own_id_alone_is_not_a_conversation(bearer, alice):
    response = bearer(alice).post("/api/v1/dms/", {"people": [alice.pk]}, format="json")
    assert response.status_code == 400


def test_members_use_the_room_endpoints(bearer, dm, bob):
    client = bearer(bob)
    assert client.get(f"/api/v1/rooms/{dm.slug}/").status_code == 200
    page = client.get(f"/api/v1/rooms/{dm.slug}/messages/").json()
    assert [m["body"] for m in page["results"]] == ["secret"]
    url = f"/api/v1/rooms/{dm.slug}/messages/"
    posted = client.post(url, {"body": "reply"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert posted.status_code == 201


def test_the_room_list_leaves_dms_out(bearer, dm, alice, general):
    slugs = [room["slug"] for room in bearer(alice).get("/api/v1/rooms/").json()]
    assert slugs == ["general"]


@pytest.mark.parametrize("who", ["charlie", "vera"])
def test_an_outsider_gets_404_and_finds_nothing(bearer, team, dm, who, charlie, vera):
    client = bearer({"charlie": charlie, "vera": vera}[who])
    message = dm.messages.get()
    for url in [
        f"/api/v1/rooms/{dm.slug}/",
        f"/api/v1/rooms/{dm.slug}/messages/",
        f"/api/v1/rooms/{dm.slug}/messages/{message.pk}/",
        f"/api/v1/rooms/{dm.slug}/pins/",
    ]:
        assert client.get(url).status_code == 404, url
    url = f"/api/v1/rooms/{dm.slug}/messages/"
    posted = client.post(url, {"body": "in"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert posted.status_code == 404
    assert client.post(f"/api/v1/rooms/{dm.slug}/messages/{message.pk}/pinned/").status_code == 404
    assert client.get("/api/v1/search/?q=secret").json() == []
    assert client.get("/api/v1/dms/").json() == []


def test_an_outsider_cannot_read_it_over_graphql(bearer, dm, charlie, bob):
    query = {"query": f'{{ room(slug: "{dm.slug}") {{ name }} }}'}
    outsider = bearer(charlie).post("/graphql/", query, format="json").json()
    assert outsider["data"] is None and outsider["errors"]
    member = bearer(bob).post("/graphql/", query, format="json").json()
    assert member["data"]["room"]["name"]
    rooms = bearer(bob).post("/graphql/", {"query": "{ rooms { slug } }"}, format="json").json()
    assert rooms["data"]["rooms"] == []


def test_pins_over_the_api(bearer, alice, bob, general):
    message = actions.post_message(room=general, author=bob, body="pin", client_id="p1").message
    url = f"/api/v1/rooms/general/messages/{message.pk}/pinned/"
    refused = bearer(bob).post(url)
    assert refused.status_code == 403
    pinned = bearer(alice).post(url)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    listed = bearer(bob).get("/api/v1/rooms/general/pins/").json()
    assert listed["room"] == general.pk and [p["id"] for p in listed["pinned"]] == [message.pk]
    assert bearer(alice).delete(url).json()["pinned"] is False
    assert bearer(bob).get("/api/v1/rooms/general/pins/").json()["pinned"] == []


def test_graphql_lists_my_direct_conversations(bearer, dm, alice, bob, charlie):
    query = {"query": "{ directConversations { slug title unread others { name } } }"}
    answer = bearer(bob).post("/graphql/", query, format="json").json()
    assert answer["data"]["directConversations"] == [
        {"slug": dm.slug, "title": "Alice", "unread": 1, "others": [{"name": "Alice"}]}
    ]
    outsider = bearer(charlie).post("/graphql/", query, format="json").json()
    assert outsider["data"]["directConversations"] == []


# --- Group conversations: naming and leaving (REST and GraphQL) ---------------------------------
@pytest.fixture
def group(alice, bob, charlie):
    return actions.open_direct(alice, [bob, charlie])


def _gql(client, query: str, **variables):
    return client.post("/graphql/", {"query": query, "variables": variables}, format="json").json()


RENAME = "mutation($s: String!, $n: String!) { renameDirectConversation(slug: $s, name: $n) { slug title name group } }"  # noqa: E501
LEAVE = "mutation($s: String!) { leaveDirectConversation(slug: $s) }"


def test_a_participant_names_a_group_over_rest(bearer, group, bob, charlie):
    answer = bearer(bob).patch(f"/api/v1/dms/{group.slug}/", {"name": "Study"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["title"] == "Study" and answer.json()["name"] == "Study"
    assert answer.json()["group"] is True
    assert bearer(charlie).get(f"/api/v1/dms/{group.slug}/").json()["title"] == "Study"


def test_a_pair_cannot_be_named_or_left_over_rest(bearer, dm, bob):
    client = bearer(bob)
    named = client.patch(f"/api/v1/dms/{dm.slug}/", {"name": "Us"}, format="json")
    assert named.status_code == 400 and "cannot be renamed" in named.json()["detail"]
    left = client.post(f"/api/v1/dms/{dm.slug}/leave/")
    assert left.status_code == 400 and "cannot be left" in left.json()["detail"]
    assert dm.members.count() == 2


def test_a_name_too_long_is_refused(bearer, group, bob):
    answer = bearer(bob).patch(f"/api/v1/dms/{group.slug}/", {"name": "x" * 81}, format="json")
    assert answer.status_code == 400


def test_a_participant_leaves_over_rest_and_then_gets_404(bearer, group, charlie):
    client = bearer(charlie)
    assert client.post(f"/api/v1/dms/{group.slug}/leave/").status_code == 204
    assert client.get(f"/api/v1/dms/{group.slug}/").status_code == 404
    assert client.post(f"/api/v1/dms/{group.slug}/leave/").status_code == 404
    assert (
        client.patch(f"/api/v1/dms/{group.slug}/", {"name": "x"}, format="json").status_code == 404
    )
    assert client.get(f"/api/v1/rooms/{group.slug}/messages/").status_code == 404
    assert client.get("/api/v1/dms/").json() == []


def test_an_outsider_gets_404_for_naming_and_leaving(bearer, group, vera):
    client = bearer(vera)
    assert client.get(f"/api/v1/dms/{group.slug}/").status_code == 404
    assert (
        client.patch(f"/api/v1/dms/{group.slug}/", {"name": "x"}, format="json").status_code == 404
    )
    assert client.post(f"/api/v1/dms/{group.slug}/leave/").status_code == 404
    assert group.members.count() == 3


def test_a_room_is_not_a_direct_conversation_over_rest(bearer, general, alice):
    assert bearer(alice).get("/api/v1/dms/general/").status_code == 404
    assert bearer(alice).post("/api/v1/dms/general/leave/").status_code == 404


def test_graphql_names_and_leaves_a_group(bearer, group, bob, charlie):
    named = _gql(bearer(bob), RENAME, s=group.slug, n="Plans")
    assert named["data"]["renameDirectConversation"] == {
        "slug": group.slug,
        "title": "Plans",
        "name": "Plans",
        "group": True,
    }
    assert _gql(bearer(charlie), LEAVE, s=group.slug) == {"data": {"leaveDirectConversation": True}}
    again = _gql(bearer(charlie), LEAVE, s=group.slug)
    assert again["errors"][0]["extensions"]["code"] == "not_found"
    renamed = _gql(bearer(charlie), RENAME, s=group.slug, n="Mine")
    assert renamed["errors"][0]["extensions"]["code"] == "not_found"
    assert Room.objects.get(pk=group.pk).title == "Plans"


def test_graphql_refuses_an_outsider_and_a_pair(bearer, group, dm, vera, bob):
    outsider = _gql(bearer(vera), LEAVE, s=group.slug)
    assert outsider["errors"][0]["extensions"]["code"] == "not_found"
    pair = _gql(bearer(bob), RENAME, s=dm.slug, n="Us")
    assert pair["errors"][0]["extensions"]["code"] == "invalid"
    assert "cannot be renamed" in pair["errors"][0]["message"]


PIN = "mutation($id: Int!) { pinMessage(id: $id) { id pinned } }"
UNPIN = "mutation($id: Int!) { unpinMessage(id: $id) { id pinned } }"


def test_graphql_pins_with_the_rooms_policy(bearer, alice, bob, charlie, general):
    message = actions.post_message(room=general, author=bob, body="pin", client_id="p1").message
    refused = _gql(bearer(bob), PIN, id=message.pk)  # not a moderator of #general
    assert refused["errors"][0]["extensions"]["code"] == "forbidden"
    assert _gql(bearer(alice), PIN, id=message.pk)["data"]["pinMessage"]["pinned"] is True
    listed = bearer(bob).get("/api/v1/rooms/general/pins/").json()
    assert [p["id"] for p in listed["pinned"]] == [message.pk]
    assert _gql(bearer(alice), UNPIN, id=message.pk)["data"]["unpinMessage"]["pinned"] is False


def test_graphql_pins_in_a_dm_for_participants_only(bearer, group, alice, bob, charlie, vera):
    message = actions.post_message(room=group, author=alice, body="plan", client_id="p1").message
    assert _gql(bearer(bob), PIN, id=message.pk)["data"]["pinMessage"]["pinned"] is True
    outsider = _gql(bearer(vera), UNPIN, id=message.pk)
    assert outsider["errors"][0]["extensions"]["code"] == "not_found"
    actions.leave_direct(room=group, user=charlie)
    former = _gql(bearer(charlie), UNPIN, id=message.pk)
    assert former["errors"][0]["extensions"]["code"] == "not_found"
    message.refresh_from_db()
    assert message.pinned_at is not None
