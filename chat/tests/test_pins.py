"""Pinned messages: who may pin, the list, and what a pin sends."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chat import actions, queries
from chat.models import Message


def _post(room, author, body, client_id="c1"):
    return actions.post_message(room=room, author=author, body=body, client_id=client_id).message


@pytest.fixture
def dm(alice, bob):
    return actions.open_direct(alice, [bob])


def test_a_room_owner_pins_and_unpins(alice, bob, general):
    message = _post(general, bob, "the answer")
    pinned = actions.pin_message(message=message, user=alice)
    assert pinned.pinned_at is not None and pinned.pinned_by == alice
    assert queries.pinned_messages(general) == [message]
    actions.pin_message(message=pinned, user=alice, pinned=False)
    assert queries.pinned_messages(general) == []


def test_a_mentor_pins_in_any_room_they_see(alice, bob, general):
    bob.track = "mentor"
    bob.save()
    message = _post(general, alice, "worth keeping")
    assert actions.pin_message(message=message, user=bob).pinned_at is not None


def test_a_member_of_a_room_cannot_pin(alice, bob, general):
    message = _post(general, alice, "mine")
    with pytest.raises(PermissionDenied, match="owners and mentors"):
        actions.pin_message(message=message, user=bob)
    assert Message.objects.get(pk=message.pk).pinned_at is None


def test_any_member_of_a_dm_pins(alice, bob, dm):
    message = _post(dm, alice, "our plan")
    assert actions.pin_message(message=message, user=bob).pinned_at is not None


def test_an_outsider_cannot_pin_in_a_dm(alice, charlie, dm):
    message = _post(dm, alice, "our plan")
    with pytest.raises(PermissionDenied):
        actions.pin_message(message=message, user=charlie)


def test_nothing_is_pinned_in_an_archived_room(alice, general):
    message = _post(general, alice, "old")
    actions.archive_room(room=general, user=alice)
    message.room.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.pin_message(message=message, user=alice)


def test_a_deleted_message_cannot_be_pinned_and_leaves_the_list(alice, general):
    message = _post(general, alice, "soon gone")
    actions.pin_message(message=message, user=alice)
    deleted = actions.delete_message(message=Message.objects.get(pk=message.pk), user=alice)
    assert deleted.pinned_at is None and queries.pinned_messages(general) == []
    with pytest.raises(ValidationError, match="deleted"):
        actions.pin_message(message=deleted, user=alice)


def test_a_room_has_at_most_so_many_pins(alice, general, monkeypatch):
    monkeypatch.setattr("chat.actions.pins.PINS_MAX", 2)
    messages = [_post(general, alice, f"m{i}", f"c{i}") for i in range(3)]
    for message in messages[:2]:
        actions.pin_message(message=message, user=alice)
    with pytest.raises(ValidationError, match="at most 2 pinned"):
        actions.pin_message(message=messages[2], user=alice)


def test_pinning_twice_changes_nothing(alice, general, django_capture_on_commit_callbacks):
    message = actions.pin_message(message=_post(general, alice, "x"), user=alice)
    event = message.event
    with django_capture_on_commit_callbacks() as callbacks:
        again = actions.pin_message(message=message, user=alice)
    assert again.event == event and callbacks == []


def test_a_pin_sends_the_pins_frame_after_commit(
    alice, general, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("nexus_live.events._send", lambda group, event, *a: sent.append(event))
    message = _post(general, alice, "keep **this**")
    with django_capture_on_commit_callbacks(execute=True):
        actions.pin_message(message=message, user=alice)
    kinds = [json.loads(event["frame"])["type"] for event in sent]
    assert kinds == ["message_changed", "pins"]
    pins = json.loads(sent[1]["frame"])
    assert pins["data"]["pinned"][0]["body"] == "keep **this**"
    assert pins["data"]["pinned"][0]["url"] == message.get_absolute_url()


def test_the_room_page_offers_the_pinned_list_and_pin_buttons(client, alice, bob, general):
    message = _post(general, alice, "pinned words")
    actions.pin_message(message=message, user=alice)
    client.force_login(alice)
    html = client.get(general.get_absolute_url()).content.decode()
    assert 'id="pins-menu"' in html and 'data-pinner="true"' in html
    assert f'data-pin="{message.pk}"' in html and "📌 Pinned" in html
    client.force_login(bob)
    assert 'data-pinner="false"' in client.get(general.get_absolute_url()).content.decode()


def test_the_pins_endpoint_answers_the_fragment_or_a_page(client, alice, general):
    message = _post(general, alice, "pinned words")
    actions.pin_message(message=message, user=alice)
    client.force_login(alice)
    url = reverse("chat:pins", args=[general.slug])
    fragment = client.get(url, headers={"X-Fragment": "pins"}).content.decode()
    assert fragment.strip().startswith('<div class="pins" id="pins"') and "pinned words" in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and "pinned words" in page


def test_pinning_without_javascript(client, alice, bob, general):
    message = _post(general, bob, "pin me")
    url = reverse("chat:pin", args=[general.slug, message.pk])
    client.force_login(bob)
    assert client.post(url).status_code == 403
    client.force_login(alice)
    assert client.post(url).status_code == 302
    assert Message.objects.get(pk=message.pk).pinned_at is not None
    client.post(url, {"pinned": "0"})
    assert Message.objects.get(pk=message.pk).pinned_at is None
