"""Group direct conversations: any of their people names or leaves them; a conversation of two
is neither named nor left; who left is never added back silently."""

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chat import actions, queries
from chat.models import Room, RoomMember
from chat.tests.conftest import connected, frames_until


@pytest.fixture
def group(alice, bob, charlie) -> Room:
    return actions.open_direct(alice, [bob, charlie])


@pytest.fixture
def pair(alice, bob) -> Room:
    return actions.open_direct(alice, [bob])


# --- Naming -----------------------------------------------------------------------------------
def test_any_participant_names_a_group_for_everyone(group, bob, charlie):
    actions.rename_direct(room=group, user=bob, title="  Study   buddies ")
    group.refresh_from_db()
    assert group.title == "Study buddies" and str(group) == "Study buddies"
    assert queries.direct_conversations(charlie)[0]["title"] == "Study buddies"


def test_an_empty_name_goes_back_to_the_peoples_names(group, bob, charlie):
    actions.rename_direct(room=group, user=bob, title="Buddies")
    actions.rename_direct(room=group, user=bob, title="   ")
    assert queries.direct_conversations(charlie)[0]["title"] == "Alice, Bob"


def test_a_name_is_at_most_80_characters(group, bob):
    with pytest.raises(ValidationError, match="at most 80"):
        actions.rename_direct(room=group, user=bob, title="x" * 81)


def test_a_conversation_of_two_cannot_be_named(pair, alice):
    with pytest.raises(ValidationError, match="cannot be renamed"):
        actions.rename_direct(room=pair, user=alice, title="Us")


def test_an_outsider_cannot_name_it(group, vera):
    with pytest.raises(PermissionDenied):
        actions.rename_direct(room=group, user=vera, title="Mine")


def test_the_page_form_names_it_and_the_header_shows_the_name(as_person, group):
    client = as_person("charlie")
    response = client.post(reverse("direct:rename", args=[group.slug]), {"title": "Plans"})
    assert response.status_code == 302
    page = client.get(group.get_absolute_url()).content.decode()
    assert '<span class="dm-title">Plans</span>' in page and "<title>Plans" in page


def test_the_page_refuses_to_name_a_pair_and_says_why(as_person, pair):
    client = as_person("bob")
    response = client.post(reverse("direct:rename", args=[pair.slug]), {"title": "Us"}, follow=True)
    assert "cannot be renamed" in response.content.decode()
    assert Room.objects.get(pk=pair.pk).title == ""
    htmx = client.post(
        reverse("direct:rename", args=[pair.slug]), {"title": "Us"}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 400 and "cannot be renamed" in htmx.content.decode()


def test_only_a_group_page_offers_its_settings(as_person, group, pair):
    client = as_person("alice")
    assert 'id="dm-settings"' in client.get(group.get_absolute_url()).content.decode()
    assert 'id="dm-settings"' not in client.get(pair.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["vera", "charlie_after_leaving"])
def test_outsiders_and_former_participants_get_404(as_person, group, charlie, who):
    if who == "charlie_after_leaving":
        actions.leave_direct(room=group, user=charlie)
        who = "charlie"
    client = as_person(who)
    for name in ("direct:rename", "direct:leave"):
        assert client.post(reverse(name, args=[group.slug]), {"title": "x"}).status_code == 404
    assert client.get(group.get_absolute_url()).status_code == 404


def test_a_room_is_not_a_conversation(as_person, general):
    response = as_person("alice").post(reverse("direct:leave", args=[general.slug]))
    assert response.status_code == 404


def test_it_rejects_get(as_person, group):
    assert as_person("alice").get(reverse("direct:leave", args=[group.slug])).status_code == 405


# --- Leaving ----------------------------------------------------------------------------------
def test_leaving_removes_the_membership_and_keeps_the_history(group, alice, bob, charlie):
    actions.post_message(room=group, author=charlie, body="bye all", client_id="c1")
    actions.leave_direct(room=group, user=charlie)
    assert set(group.members.values_list("user_id", flat=True)) == {alice.pk, bob.pk}
    assert group.messages.filter(body="bye all").exists()
    assert queries.direct_conversations(charlie) == []
    assert queries.direct_conversations(alice)[0]["title"] == "Bob"
    assert not Room.objects.visible_to(charlie).filter(pk=group.pk).exists()


def test_nobody_is_added_back_by_opening_the_same_people_again(group, alice, bob, charlie):
    actions.leave_direct(room=group, user=charlie)
    again = actions.open_direct(alice, [bob, charlie])
    assert again != group  # a new conversation: charlie never sees the one he left
    assert not RoomMember.objects.filter(room=group, user=charlie).exists()
    assert actions.open_direct(alice, [bob]) != group  # nor is it the pair's conversation


def test_the_last_one_leaving_keeps_the_history(group, alice, bob, charlie):
    actions.post_message(room=group, author=alice, body="kept", client_id="k1")
    for person in (alice, bob, charlie):
        actions.leave_direct(room=Room.objects.get(pk=group.pk), user=person)
    assert not group.members.exists()
    assert group.messages.filter(body="kept").exists()


def test_a_conversation_of_two_cannot_be_left(pair, alice):
    with pytest.raises(ValidationError, match="cannot be left"):
        actions.leave_direct(room=pair, user=alice)
    assert pair.members.count() == 2


def test_one_cannot_leave_twice(group, charlie):
    actions.leave_direct(room=group, user=charlie)
    with pytest.raises(PermissionDenied):
        actions.leave_direct(room=Room.objects.get(pk=group.pk), user=charlie)


def test_the_page_leaves_and_lands_on_the_list(as_person, group):
    client = as_person("charlie")
    response = client.post(reverse("direct:leave", args=[group.slug]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("direct:list")
    assert "You left" in response.content.decode()


def test_the_page_refuses_to_leave_a_pair_and_says_why(as_person, pair):
    response = as_person("bob").post(reverse("direct:leave", args=[pair.slug]), follow=True)
    assert "cannot be left" in response.content.decode()
    assert pair.members.count() == 2


# --- Live -------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_leaving_closes_the_leavers_socket_and_updates_the_others_header(alice, bob, charlie):
    group = await database_sync_to_async(actions.open_direct)(alice, [bob, charlie])
    async with connected(alice, group) as a, connected(charlie, group) as c:
        await frames_until(a, "synced")
        await frames_until(c, "synced")
        await database_sync_to_async(actions.leave_direct)(room=group, user=charlie)
        (head,) = [f for f in await frames_until(a, "room", wait=5) if f["type"] == "room"]
        assert "Charlie" not in head["html"] and "Bob" in head["html"]
        assert [p["name"] for p in head["data"]["people"]] == ["Alice", "Bob"]
        assert await _closed_with(c) == 4403


async def _closed_with(socket) -> int:
    """The close code, past any frame still on its way."""
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.mark.django_db(transaction=True)
async def test_a_name_reaches_the_open_pages_and_everyones_lists(alice, bob, charlie):
    group = await database_sync_to_async(actions.open_direct)(alice, [bob, charlie])
    async with connected(alice, group) as a, connected(bob, None) as me:
        await frames_until(a, "synced")
        await frames_until(me, "state")
        await database_sync_to_async(actions.rename_direct)(room=group, user=charlie, title="Us")
        (head,) = [f for f in await frames_until(a, "room", wait=5) if f["type"] == "room"]
        assert '<span class="dm-title">Us</span>' in head["html"]
        (listed,) = [f for f in await frames_until(me, "direct", wait=5) if f["type"] == "direct"]
        assert listed["id"] == group.pk and listed["data"]["title"] == "Us"
        assert listed["html"].count('<span class="dm-title">Us</span>') == 2  # list and sidebar


@pytest.mark.django_db(transaction=True)
async def test_a_new_conversation_reaches_every_participants_lists_once(alice, bob, charlie, vera):
    async with connected(bob, None) as b, connected(vera, None) as v:
        await frames_until(b, "state")
        await frames_until(v, "state")
        group = await database_sync_to_async(actions.open_direct)(alice, [bob, charlie])
        frames = await frames_until(b, "direct", wait=5)
        direct = frames[-1]
        assert direct["id"] == group.pk and direct["data"]["left"] is False
        assert f'id="dm-entry-{group.pk}"' in direct["html"]
        assert f'id="side-dm-{group.pk}"' in direct["html"]
        for person in (alice, bob, charlie):  # everyone: each page hides its own person
            assert f'data-person="{person.pk}"' in direct["html"]
        assert direct["data"]["url"] == group.get_absolute_url()
        assert await b.receive_nothing(timeout=0.3)  # once
        assert await v.receive_nothing(timeout=0.3)  # an outsider hears nothing


@pytest.mark.django_db(transaction=True)
async def test_the_one_who_left_is_told_to_drop_it(alice, bob, charlie):
    group = await database_sync_to_async(actions.open_direct)(alice, [bob, charlie])
    async with connected(charlie, None) as me:
        await frames_until(me, "state")
        await database_sync_to_async(actions.leave_direct)(room=group, user=charlie)
        frames = await frames_until(me, "direct", wait=5)
        assert frames[-1]["left"] is True and frames[-1]["html"] == ""
