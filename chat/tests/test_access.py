"""The access matrix for every room page and endpoint, on a team-private room."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from chat import actions
from chat.models import Message, Room

PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice"]
READ = {"anonymous": 302, "charlie": 404, "vera": 200, "bob": 200, "alice": 200}


@pytest.fixture
def edited(alice, private_room):
    message = actions.post_message(
        room=private_room, author=alice, body="first", client_id="e1"
    ).message
    actions.edit_message(message=message, user=alice, body="second")
    return message


@pytest.mark.parametrize("who", PEOPLE)
def test_reading_a_private_room(as_person, private_room, edited, who):
    client = as_person(who)
    slug = private_room.slug
    urls = [
        reverse("chat:room", args=[slug]),
        reverse("chat:messages", args=[slug]) + "?after=0",
        reverse("chat:thread", args=[slug, edited.pk]),
        reverse("chat:history", args=[slug, edited.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [READ[who]] * len(urls)


@pytest.mark.parametrize("who", PEOPLE)
def test_exporting_a_private_rooms_history(as_person, private_room, who):
    from exports.models import Export

    fields = {"kind": "room", "room": private_room.slug, "format": "json"}
    response = as_person(who).post("/exports/", fields)
    assert response.status_code == {**READ, "vera": 302, "bob": 302, "alice": 302}[who]
    assert Export.objects.filter(room=private_room).exists() is (who in ("vera", "bob", "alice"))


@pytest.mark.parametrize(
    ("who", "status", "stored"),
    [
        ("anonymous", 302, 0),
        ("charlie", 404, 0),
        ("vera", 403, 0),
        ("bob", 302, 1),
        ("alice", 302, 1),
    ],
)
def test_posting_in_a_private_room(as_person, private_room, who, status, stored):
    url = reverse("chat:post", args=[private_room.slug])
    response = as_person(who).post(url, {"body": "hello", "client_id": "p1"})
    assert response.status_code == status
    assert Message.objects.filter(room=private_room).count() == stored


@pytest.mark.parametrize(
    ("who", "status", "changed"),
    [
        ("anonymous", 302, False),
        ("charlie", 404, False),
        ("vera", 403, False),
        ("bob", 403, False),
        ("alice", 302, True),
    ],
)
def test_archiving_a_private_room(as_person, private_room, who, status, changed):
    url = reverse("chat:archive", args=[private_room.slug])
    response = as_person(who).post(url, {"archived": "1"})
    private_room.refresh_from_db()
    assert response.status_code == status
    assert private_room.is_archived is changed


@pytest.mark.parametrize("who", PEOPLE[1:])
def test_changes_refuse_get(as_person, private_room, who):
    client = as_person(who)
    for name in ("chat:post", "chat:topic", "chat:archive"):
        assert client.get(reverse(name, args=[private_room.slug])).status_code == 405


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises writers; CI runs this on PostgreSQL"
)
def test_concurrent_posters_get_distinct_gapless_seqs(alice, bob, charlie, general, settings):
    settings.CHAT_RATE_BURST = 1000
    people, per_person, errors = [alice, bob, charlie], 30, []

    def write(person):
        try:
            room = Room.objects.get(pk=general.pk)
            for i in range(per_person):
                actions.post_message(
                    room=room, author=person, body=f"{person.pk}-{i}", client_id=f"t{i}"
                )
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = list(Message.objects.filter(room=general).order_by("seq").values_list("seq", "body"))
    assert [seq for seq, _ in rows] == list(range(1, len(people) * per_person + 1))
    for person in people:  # each writer's own messages keep their order
        own = [int(body.split("-")[1]) for _, body in rows if body.startswith(f"{person.pk}-")]
        assert own == list(range(per_person))
