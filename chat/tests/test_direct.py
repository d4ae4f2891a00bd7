"""Direct messages: one conversation per set of people, private to them everywhere."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from chat import actions, queries
from chat.models import Mention, Message, Notification, Room, RoomMember
from conftest import make_person


@pytest.fixture
def dm(alice, bob) -> Room:
    return actions.open_direct(alice, [bob])


def _post(room, author, body, client_id="c1"):
    return actions.post_message(room=room, author=author, body=body, client_id=client_id).message


# --- Opening ----------------------------------------------------------------------------------
def test_it_opens_a_private_conversation_of_its_members(dm, alice, bob):
    assert dm.is_direct and dm.is_private and dm.team is None
    assert set(dm.members.values_list("user_id", flat=True)) == {alice.pk, bob.pk}
    assert dm.get_absolute_url() == f"/dm/{dm.slug}/"


def test_the_same_people_get_the_same_conversation_whoever_opens_it(dm, alice, bob, charlie):
    assert actions.open_direct(bob, [alice]) == dm
    assert actions.open_direct(alice, [bob, alice]) == dm  # oneself is not "another"
    group = actions.open_direct(alice, [bob, charlie])
    assert group != dm and actions.open_direct(charlie, [bob, alice]) == group
    assert Room.objects.filter(kind="direct").count() == 2


def test_it_needs_someone_else(alice):
    with pytest.raises(ValidationError, match="at least one other person"):
        actions.open_direct(alice, [alice])


def test_it_takes_at_most_eight_people(alice):
    others = [make_person(f"p{i}@example.com", f"P{i}") for i in range(8)]
    with pytest.raises(ValidationError, match="at most 8 people"):
        actions.open_direct(alice, others)
    assert actions.open_direct(alice, others[:7]).members.count() == 8


def test_it_refuses_someone_deactivated(alice, bob):
    bob.is_active = False
    bob.save()
    with pytest.raises(PermissionDenied):
        actions.open_direct(alice, [bob])


def test_every_member_starts_with_everything_unread(dm, alice, bob):
    _post(dm, alice, "hi bob")
    _post(dm, alice, "are you there?", "c2")
    (mine,) = queries.direct_conversations(bob)
    assert mine["unread"] == 2 and mine["title"] == "Alice"
    assert mine["others"] == [{"id": alice.pk, "name": "Alice"}]
    (followed,) = queries.followed(bob)
    assert (followed["id"], followed["kind"], followed["read"]) == (dm.pk, "direct", 0)


@pytest.mark.django_db(transaction=True)
def test_two_people_opening_it_at_once_get_one_conversation(alice, bob):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    rooms, barrier = [], threading.Barrier(2)

    def open_it(user, other):
        barrier.wait()
        try:
            rooms.append(actions.open_direct(user, [other]))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=open_it, args=(alice, bob)),
        threading.Thread(target=open_it, args=(bob, alice)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rooms) == 2 and rooms[0].pk == rooms[1].pk
    assert Room.objects.filter(kind="direct").count() == 1
    assert RoomMember.objects.count() == 2


def test_a_member_key_is_unique(dm, alice, bob):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(
            kind="direct", member_key=dm.member_key, is_private=True, name="x", slug="dm_x"
        )


# --- The list ---------------------------------------------------------------------------------
def test_direct_conversations_are_latest_first_in_two_queries(alice, bob, charlie, vera):
    first = actions.open_direct(alice, [bob])
    group = actions.open_direct(alice, [charlie, vera])
    third = actions.open_direct(alice, [vera])
    _post(first, bob, "newest")
    with CaptureQueriesContext(connection) as queries_run:
        found = queries.direct_conversations(alice)
    assert len(queries_run) <= 2
    assert [dm["id"] for dm in found] == [first.pk, third.pk, group.pk]
    assert found[2]["title"] == "Charlie, Vera"
    assert found[0]["unread"] == 1 and found[0]["url"] == first.get_absolute_url()
    assert queries.direct_conversations(charlie) == [
        dm for dm in queries.direct_conversations(charlie) if dm["id"] == group.pk
    ]


def test_the_dm_page_lists_my_conversations_with_unread_counts(client, dm, alice, bob):
    _post(dm, alice, "hello")
    client.force_login(bob)
    page = client.get(reverse("direct:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{dm.get_absolute_url()}">Alice</a>' in html
    badge = html.split(f'data-room-unread="{dm.pk}"')[1].split("</span>")[0]
    assert "hidden" not in badge.split(">")[0] and '<span class="count">1' in badge


def test_the_new_message_form_opens_a_conversation_by_email(client, alice, charlie):
    client.force_login(alice)
    response = client.post(reverse("direct:list"), {"to": "Charlie@Example.com"})
    room = Room.objects.get(kind="direct")
    assert response.status_code == 302 and response["Location"] == room.get_absolute_url()
    assert room.member_ids == {alice.pk, charlie.pk}


def test_the_new_message_form_offers_teammates(client, alice, bob, team):
    client.force_login(alice)
    page = client.get(reverse("direct:list")).content.decode()
    assert "Bob (bob@example.com)" in page and "Charlie" not in page
    response = client.post(reverse("direct:list"), {"people": [bob.pk]})
    assert response.status_code == 302
    assert Room.objects.get(kind="direct").member_ids == {alice.pk, bob.pk}


def test_the_new_message_form_says_who_it_cannot_find(client, alice):
    client.force_login(alice)
    response = client.post(reverse("direct:list"), {"to": "nobody@example.com"})
    assert response.status_code == 400
    assert "nobody is called" in response.content.decode()
    response = client.post(reverse("direct:list"), {"to": ""})
    assert response.status_code == 400 and "Choose someone" in response.content.decode()
    assert not Room.objects.filter(kind="direct").exists()


def test_the_room_list_leaves_direct_conversations_out(client, dm, alice, general):
    client.force_login(alice)
    html = client.get(reverse("chat:rooms")).content.decode()
    listed = html.split('<ul class="cards rooms">')[1].split("</ul>")[0]
    assert "#general" in listed and dm.slug not in listed


def test_the_sidebar_leaves_direct_conversations_out_of_the_rooms(client, dm, alice, general):
    actions.mark_read(room=general, user=alice, seq=0)
    client.force_login(alice)
    response = client.get(reverse("chat:rooms"))
    names = [room["name"] for room in response.context["sidebar"]["rooms"]]
    assert names == ["general"]
    assert str(dm.pk) in response.context["nav_state"]["rooms"]  # its unread count is live


# --- The page ---------------------------------------------------------------------------------
def test_the_dm_page_shows_the_people_not_a_room_name(client, dm, alice, bob):
    client.force_login(alice)
    response = client.get(dm.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="direct-people">' in html and "Bob" in html
    assert "Room settings" not in html and "No topic yet" not in html
    assert 'placeholder="Message Bob"' in html


def test_a_dm_under_rooms_redirects_to_its_address(client, dm, alice):
    client.force_login(alice)
    response = client.get(reverse("chat:room", args=[dm.slug]) + "?at=1")
    assert response.status_code == 302 and response["Location"] == f"{dm.get_absolute_url()}?at=1"


def test_a_room_is_not_a_dm(client, alice, general):
    client.force_login(alice)
    assert client.get(reverse("direct:room", args=[general.slug])).status_code == 404


def test_nobody_manages_or_moderates_a_dm(dm, alice, bob):
    from accounts import policies

    mentor = User.objects.get(pk=bob.pk)
    mentor.track = "mentor"
    mentor.save()
    message = _post(dm, alice, "mine")
    assert not policies.can_manage_space(alice, dm)
    assert not policies.can_moderate(mentor, dm)
    with pytest.raises(PermissionDenied):
        actions.delete_message(message=message, user=mentor)
    with pytest.raises(PermissionDenied):
        actions.update_topic(room=dm, user=alice, topic="no")
    with pytest.raises(PermissionDenied):
        actions.archive_room(room=dm, user=alice)


# --- Mentions and notifications -----------------------------------------------------------------
def test_a_dm_message_notifies_the_other_members(alice, bob, charlie):
    group = actions.open_direct(alice, [bob, charlie])
    message = _post(group, alice, "hello both")
    rows = Notification.objects.filter(message=message)
    assert sorted(rows.values_list("user__display_name", "reason")) == [
        ("Bob", "direct"),
        ("Charlie", "direct"),
    ]


def test_a_mention_in_a_dm_is_a_mention_and_only_of_members(dm, alice, bob, charlie):
    message = _post(dm, alice, "@bob and @charlie look")
    assert list(Mention.objects.values_list("user", flat=True)) == [bob.pk]
    assert Notification.objects.get(message=message, user=bob).reason == "mention"
    assert not Notification.objects.filter(user=charlie).exists()


# --- Privacy: the authorisation matrix ------------------------------------------------------------
PEOPLE = ["anonymous", "charlie", "vera", "bob", "alice"]
READ = {"anonymous": 302, "charlie": 404, "vera": 404, "bob": 200, "alice": 200}


@pytest.mark.parametrize("who", PEOPLE)
def test_reading_a_dm(as_person, team, dm, alice, who):
    message = _post(dm, alice, "secret plans")
    actions.edit_message(message=message, user=alice, body="secret plans, edited")
    client = as_person(who)
    slug = dm.slug
    urls = [
        reverse("direct:room", args=[slug]),
        reverse("chat:messages", args=[slug]) + "?after=0",
        reverse("chat:thread", args=[slug, message.pk]),
        reverse("chat:history", args=[slug, message.pk]),
        reverse("chat:pins", args=[slug]),
    ]
    assert [client.get(url).status_code for url in urls] == [READ[who]] * len(urls)
    if READ[who] == 404:  # the old address is as absent
        assert client.get(reverse("chat:room", args=[slug])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status", "stored"),
    [("anonymous", 302, 0), ("charlie", 404, 0), ("vera", 404, 0), ("bob", 302, 1)],
)
def test_posting_in_a_dm(as_person, team, dm, who, status, stored):
    url = reverse("chat:post", args=[dm.slug])
    response = as_person(who).post(url, {"body": "hello", "client_id": "p1"})
    assert response.status_code == status
    assert Message.objects.filter(room=dm).count() == stored


@pytest.mark.parametrize("who", ["charlie", "vera"])
def test_an_outsider_finds_nothing_of_a_dm(as_person, team, dm, alice, who):
    _post(dm, alice, "zebra crossing @charlie @vera")
    client = as_person(who)
    user = User.objects.get(email=f"{who}@example.com")
    assert list(queries.search_messages(user, "zebra")) == []
    assert "No message found" in client.get(reverse("search") + "?q=zebra").content.decode()
    assert list(queries.mentions_of(user)) == []
    assert queries.direct_conversations(user) == []
    assert str(dm.pk) not in queries.nav_state(user)["rooms"]
    assert dm.slug not in client.get(reverse("direct:list")).content.decode()
    assert not Room.objects.visible_to(user).filter(pk=dm.pk).exists()


def test_a_member_finds_it_in_search(client, dm, alice, bob):
    _post(dm, alice, "zebra crossing")
    client.force_login(bob)
    html = client.get(reverse("search") + "?q=zebra").content.decode()
    assert "zebra" in html and dm.get_absolute_url() in html


def test_opening_new_conversations_is_rate_limited(alice, settings):
    from nexus_live.ratelimit import RateLimited

    settings.CHAT_RATE_BURST, settings.CHAT_RATE_INTERVAL = 2, 60
    people = [make_person(f"r{i}@example.com", f"R{i}") for i in range(3)]
    first = actions.open_direct(alice, [people[0]])
    actions.open_direct(alice, [people[1]])
    with pytest.raises(RateLimited):
        actions.open_direct(alice, [people[2]])
    assert actions.open_direct(alice, [people[0]]) == first  # an existing one is no new one
