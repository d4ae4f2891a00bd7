"""Creating rooms, changing their topic, archiving them, and who may do each."""

import pytest
from django.urls import reverse

from accounts import policies
from chat import actions
from chat.models import Room, RoomVisit


def test_it_creates_a_public_room(client, charlie):
    client.force_login(charlie)
    response = client.post(
        reverse("chat:rooms"), {"name": "#Celery-Help", "topic": "Queues", "audience": "public"}
    )
    room = Room.objects.get(slug="celery-help")
    assert response.status_code == 302
    assert (room.name, room.topic, room.is_private, room.created_by) == (
        "celery-help",
        "Queues",
        False,
        charlie,
    )


def test_it_creates_a_team_room_for_members(client, bob, team):
    client.force_login(bob)
    client.post(reverse("chat:rooms"), {"name": "nexus", "audience": str(team.pk)})
    room = Room.objects.get(slug="nexus")
    assert room.is_private and room.team == team


@pytest.mark.parametrize("who", ["vera", "charlie"])
def test_viewers_and_outsiders_cannot_add_team_rooms(client, request, team, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("chat:rooms"), {"name": "nexus", "audience": str(team.pk)})
    assert response.status_code == 400  # the team is not among their choices
    assert not Room.objects.exists()


@pytest.mark.parametrize("name", ["", "has space", "UPPER_snake", "x" * 41, "-dash-first"])
def test_it_rejects_bad_room_names(client, charlie, name):
    client.force_login(charlie)
    response = client.post(reverse("chat:rooms"), {"name": name, "audience": "public"})
    assert response.status_code == 400
    assert not Room.objects.exists()


def test_it_refuses_a_taken_name(client, charlie, general):
    client.force_login(charlie)
    response = client.post(reverse("chat:rooms"), {"name": "general", "audience": "public"})
    assert response.status_code == 400
    assert "already a room called #general" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "changed"),
    [("alice", True), ("bob", False), ("vera", False), ("charlie", False)],
)
def test_only_owners_change_a_team_rooms_topic(client, request, private_room, who, changed):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("chat:topic", args=[private_room.slug]), {"topic": "New"})
    private_room.refresh_from_db()
    assert (private_room.topic == "New") is changed
    assert response.status_code == (404 if who == "charlie" else 302 if changed else 403)


def test_an_archived_room_is_read_only(alice, bob, general):
    actions.archive_room(room=general, user=alice)
    general.refresh_from_db()
    assert general.is_archived
    assert not policies.can_post(bob, general)


def test_the_rooms_page_shows_unread_counts(client, alice, bob, general):
    client.force_login(bob)
    actions.mark_read(room=general, user=bob, seq=0)  # as bob's open room page does
    for i in range(3):
        actions.post_message(room=general, author=alice, body=f"m{i}", client_id=f"c{i}")
    page = client.get(reverse("chat:rooms")).content.decode()
    assert f'data-room-unread="{general.pk}" ><span class="count">3</span>' in page
    assert f'"rooms": {{"{general.pk}": [3, 0]}}' in page  # the state app.js keeps live


def test_rooms_and_mentions_pages_do_not_query_per_row(
    client, alice, bob, team, settings, django_assert_max_num_queries
):
    settings.CHAT_RATE_BURST = 1000
    for i in range(12):
        room = actions.create_room(user=alice, name=f"team-{i}", team=team, is_private=True)
        actions.post_message(room=room, author=alice, body="hi @bob", client_id=f"m{i}")
    client.force_login(bob)
    with django_assert_max_num_queries(12):
        client.get(reverse("chat:rooms"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("chat:mentions"))
    assert page.content.decode().count('<li class="mention') == 12


@pytest.mark.parametrize("query", ["", "?at=2", "?filter=open"])
def test_showing_a_room_marks_nothing_read(client, alice, bob, general, query):
    """A page view (a prefetch, a permalink, a filtered list) is not reading: only the live
    page's socket sends read marks, once the messages are on screen."""
    for i in range(3):
        actions.post_message(room=general, author=alice, body=f"m{i}?", client_id=f"c{i}")
    actions.mark_read(room=general, user=bob, seq=1)
    client.force_login(bob)
    assert client.get(general.get_absolute_url() + query).status_code == 200
    assert RoomVisit.objects.get(room=general, user=bob).last_read_seq == 1


@pytest.mark.parametrize("slug", ["general", "a-b_c", "0", "x0"])
@pytest.mark.parametrize("pk", [0, 1, 10, 2**40])
def test_a_rooms_thread_url_is_the_reversed_one(slug: str, pk: int) -> None:
    room = Room(name=slug, slug=slug)
    assert room.thread_url(pk) == reverse("chat:thread", args=[slug, pk])
    room.slug = f"{slug}-renamed"
    assert room.thread_url(pk) == reverse("chat:thread", args=[room.slug, pk])
