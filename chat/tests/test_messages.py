"""Posting, editing, deleting, threads, resolving, history pages and permalinks."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from chat import actions
from chat.events import render_message
from chat.models import Message
from nexus_live import events


def _post(room, author, body="hello", client_id="c1", parent=None):
    return actions.post_message(
        room=room, author=author, body=body, client_id=client_id, parent=parent
    ).message


def test_messages_get_consecutive_seqs_per_room(alice, general, private_room):
    seqs = [_post(general, alice, client_id=f"g{i}").seq for i in range(3)]
    assert seqs == [1, 2, 3]
    assert _post(private_room, alice, client_id="p1").seq == 1


def test_a_retry_returns_the_first_message(alice, general):
    first = actions.post_message(room=general, author=alice, body="hi", client_id="same")
    again = actions.post_message(room=general, author=alice, body="hi", client_id="same")
    assert (first.created, again.created) == (True, False)
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1


@pytest.fixture
def sent(monkeypatch):
    """What is published to the channel layer, as (group, frame type)."""
    record = []

    async def publish(group: str, event: dict) -> None:
        record.append((group, json.loads(event["frame"])["type"]))

    monkeypatch.setattr(events, "publish", publish)
    return record


def test_it_broadcasts_only_after_commit(alice, general, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(general, alice)
        assert sent == []  # still inside the transaction
    assert sent == [
        (f"room-{general.pk}", "message"),
        (f"room-activity-{general.pk}", "activity"),
    ]


def test_nothing_is_broadcast_for_a_rolled_back_post(alice, general, sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        _post(general, alice)
        raise RuntimeError("the request failed after the post")
    assert sent == []
    assert not Message.objects.exists()


def test_a_mention_notifies_the_person_once(
    alice, bob, charlie, private_room, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(private_room, alice, body="@bob and @Charlie, see this? @bob")
    assert (f"user-{bob.pk}", "mention") in sent
    assert (f"user-{charlie.pk}", "mention") not in sent  # charlie cannot see the room
    assert list(bob.mentions.values_list("message__body", flat=True)) == [
        "@bob and @Charlie, see this? @bob"
    ]


def test_a_mention_added_by_an_edit_notifies_only_the_newcomer(
    alice, bob, vera, private_room, sent, django_capture_on_commit_callbacks
):
    message = _post(private_room, alice, body="thanks @bob")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_message(message=message, user=alice, body="thanks @bob and @vera")
    notified = [group for group, kind in sent if kind == "mention"]
    assert notified == [f"user-{vera.pk}"]
    assert vera.mentions.get().message == message
    assert bob.mentions.count() == 1


def test_the_mentions_page_lists_them_and_its_post_clears_them(client, alice, bob, general):
    """Showing the page writes nothing (a prefetch or a crawler must not clear the badge); the
    page posts that it was seen once it is on screen."""
    _post(general, alice, body="thanks @Bob")
    client.force_login(bob)
    assert 'id="mention-count" ><span class="count">1</span>' in client.get("/").content.decode()
    page = client.get(reverse("chat:mentions")).content.decode()
    assert "thanks @Bob" in page
    assert bob.mentions.filter(seen_at__isnull=True).exists()
    assert f'hx-post="{reverse("chat:mentions_seen")}"' in page
    assert client.get(reverse("chat:mentions_seen")).status_code == 405
    assert client.post(reverse("chat:mentions_seen")).status_code == 204
    assert not bob.mentions.filter(seen_at__isnull=True).exists()


def test_an_edit_keeps_the_old_text_and_marks_the_message(alice, general):
    message = _post(general, alice, body="frist")
    actions.edit_message(message=message, user=alice, body="first")
    message.refresh_from_db()
    assert message.body == "first" and message.edited_at is not None
    assert list(message.edits.values_list("body", flat=True)) == ["frist"]
    html = render_message(message)
    assert "(edited)" in html


def test_only_the_author_edits(alice, bob, general):
    message = _post(general, alice)
    with pytest.raises(PermissionDenied):
        actions.edit_message(message=message, user=bob, body="mine now")


def test_moderators_and_authors_delete_others_do_not(alice, bob, charlie, general):
    message = _post(general, bob)
    with pytest.raises(PermissionDenied):
        actions.delete_message(message=message, user=charlie)
    actions.delete_message(message=message, user=alice)  # alice created the room
    message.refresh_from_db()
    assert message.is_deleted and message.body == ""
    assert "This message was deleted." in render_message(message)


def test_a_mentor_may_delete_any_message(bob, charlie, general):
    charlie.track = "mentor"
    charlie.save()
    message = _post(general, bob)
    actions.delete_message(message=message, user=charlie)
    message.refresh_from_db()
    assert message.is_deleted


def test_replies_count_on_the_thread_and_stay_out_of_the_timeline(client, alice, bob, general):
    root = _post(general, alice, body="How do I retry a Celery task?")
    _post(general, bob, body="Use autoretry_for", client_id="r1", parent=root)
    root.refresh_from_db()
    assert root.reply_count == 1
    client.force_login(bob)
    page = client.get(general.get_absolute_url()).content.decode()
    assert "How do I retry" in page and "autoretry_for" not in page
    assert "1 reply" in page
    thread = client.get(reverse("chat:thread", args=[general.slug, root.pk])).content.decode()
    assert "autoretry_for" in thread


def test_a_reply_to_a_reply_is_refused(alice, general):
    root = _post(general, alice)
    reply = _post(general, alice, client_id="r1", parent=root)
    with pytest.raises(ValidationError):
        _post(general, alice, client_id="r2", parent=reply)


@pytest.mark.parametrize(("who", "allowed"), [("bob", True), ("alice", True), ("charlie", False)])
def test_who_may_resolve_a_question(request, bob, general, who, allowed):
    question = _post(general, bob, body="Why CORS?")
    person = request.getfixturevalue(who)
    if allowed:
        actions.resolve_thread(message=question, user=person)
        question.refresh_from_db()
        assert question.resolved_at is not None
    else:
        with pytest.raises(PermissionDenied):
            actions.resolve_thread(message=question, user=person)


def test_the_open_filter_shows_unresolved_questions(client, alice, general):
    open_q = _post(general, alice, body="Open: why?", client_id="a")
    done_q = _post(general, alice, body="Done: why?", client_id="b")
    _post(general, alice, body="Just chatting", client_id="c")
    actions.resolve_thread(message=done_q, user=alice)
    client.force_login(alice)
    page = client.get(general.get_absolute_url() + "?filter=open").content.decode()
    assert f'id="message-{open_q.pk}"' in page
    assert f'id="message-{done_q.pk}"' not in page
    assert "Just chatting" not in page


def test_a_permalink_opens_the_page_around_the_message(client, alice, general, settings):
    settings.CHAT_RATE_BURST = 1000
    messages = [_post(general, alice, body=f"m{i}", client_id=f"c{i}") for i in range(120)]
    target = messages[10]
    client.force_login(alice)
    page = client.get(target.get_absolute_url()).content.decode()
    assert f'id="message-{target.pk}"' in page
    assert f'id="message-{messages[-1].pk}"' not in page


def test_a_permalink_offers_the_latest_messages_instead_of_a_composer(client, alice, general):
    """The page around an old message is not live: a composer there would never send."""
    target = _post(general, alice)
    client.force_login(alice)
    page = client.get(target.get_absolute_url()).content.decode()
    assert 'id="composer"' not in page
    assert 'class="muted to-latest"' in page  # where the composer would be
    assert 'id="composer"' in client.get(general.get_absolute_url()).content.decode()


def test_history_pages_by_seq(client, alice, general, settings):
    settings.CHAT_RATE_BURST = 1000
    for i in range(60):
        _post(general, alice, body=f"m{i}", client_id=f"c{i}")
    client.force_login(alice)
    url = reverse("chat:messages", args=[general.slug])
    older = client.get(url, {"before": 11}).content.decode()
    assert older.count('<li class="message') == 10 and 'data-seq="10"' in older
    newer = client.get(url, {"after": 55}).content.decode()
    assert [f'data-seq="{s}"' in newer for s in (55, 56, 60)] == [False, True, True]
    assert client.get(url, {"after": "x"}).status_code == 400
    assert client.get(url).status_code == 400


def test_the_edit_history_page_lists_earlier_versions(client, alice, charlie, general):
    message = _post(general, alice, body="v1")
    actions.edit_message(message=message, user=alice, body="v2")
    client.force_login(charlie)
    page = client.get(reverse("chat:history", args=[general.slug, message.pk])).content.decode()
    assert "v1" in page and "v2" in page


def test_the_form_post_keeps_a_rejected_draft(client, alice, general):
    client.force_login(alice)
    too_long = "x" * (actions.MAX_BODY + 1)
    client.post(reverse("chat:post", args=[general.slug]), {"body": too_long, "client_id": "f1"})
    page = client.get(general.get_absolute_url()).content.decode()
    assert too_long in page
    assert "at most 8,000 characters" in page
    assert not Message.objects.exists()


def test_a_reaction_toggles_and_shows_who_reacted(alice, bob, general):
    message = _post(general, alice)
    assert actions.toggle_reaction(message=message, user=bob, emoji="🎉") is True
    assert actions.toggle_reaction(message=message, user=alice, emoji="🎉") is True
    html = render_message(message)
    assert "🎉 2" in html
    assert 'title="Bob, Alice"' in html  # in the order people reacted
    assert actions.toggle_reaction(message=message, user=bob, emoji="🎉") is False
    assert list(message.reactions.values_list("user__email", flat=True)) == [alice.email]


def test_it_refuses_an_emoji_outside_the_palette(alice, general):
    message = _post(general, alice)
    with pytest.raises(ValidationError):
        actions.toggle_reaction(message=message, user=alice, emoji="<script>")


def test_outsiders_cannot_react_in_a_private_room(alice, charlie, private_room):
    message = _post(private_room, alice)
    with pytest.raises(PermissionDenied):
        actions.toggle_reaction(message=message, user=charlie, emoji="👍")


def test_the_room_page_renders_in_a_fixed_number_of_queries(
    client, alice, bob, general, settings, django_assert_max_num_queries
):
    settings.CHAT_RATE_BURST = 1000
    for i in range(40):
        message = _post(general, alice if i % 2 else bob, body=f"m{i}", client_id=f"c{i}")
        actions.toggle_reaction(message=message, user=bob, emoji="👍")
    client.force_login(alice)
    with django_assert_max_num_queries(20):
        response = client.get(general.get_absolute_url())
    assert response.content.decode().count('<li class="message') == 40


def test_nul_characters_are_dropped_not_a_server_error(alice, general):
    """PostgreSQL refuses NUL in text; a pasted one must not turn a message into a 500."""
    message = _post(general, alice, body="trace\x00back")
    message.refresh_from_db()
    assert message.body == "traceback"


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "-3"])
def test_odd_numbers_in_urls_get_a_clear_answer(client, alice, general, value):
    client.force_login(alice)
    assert (
        client.get(reverse("chat:messages", args=[general.slug]), {"after": value}).status_code
        == 400
    )
    assert client.get(general.get_absolute_url(), {"at": value}).status_code == 200


def test_viewers_cannot_react(alice, vera, private_room):
    message = _post(private_room, alice)
    with pytest.raises(PermissionDenied):
        actions.toggle_reaction(message=message, user=vera, emoji="👍")


def test_every_change_is_a_room_event(alice, bob, general):
    message = _post(general, alice)
    actions.toggle_reaction(message=message, user=bob, emoji="👍")
    actions.edit_message(message=message, user=alice, body="edited")
    message.refresh_from_db()
    general.refresh_from_db()
    assert (general.last_seq, general.last_event, message.event) == (1, 3, 3)
