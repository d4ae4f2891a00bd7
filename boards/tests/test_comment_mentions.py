"""Card comments and the one mentions model (decision 022): a mention in a comment is a
chat.Mention like one in a message; edits re-evaluate it (gone when the name goes, told once
when it comes); the author edits, the author or the board's owners delete; live for every
viewer and caught up."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import actions as account_actions
from accounts.models import Membership, Role
from boards import actions
from boards.models import Card, Comment
from boards.tests.test_consumer import next_of, on_board
from chat import actions as chat_actions
from chat import queries as chat_queries
from chat.models import Mention, Notification
from conftest import make_person
from nexus_live import events


@pytest.fixture
def dana(team):
    """Another member of the team: neither the comment's author nor an owner."""
    person = make_person("dana@example.com", "Dana")
    Membership.objects.create(team=team, user=person, role=Role.MEMBER)
    return person


@pytest.fixture
def told(monkeypatch):
    """The frames published to people's own sockets: [(group, frame)]."""
    sent: list[tuple[str, dict]] = []
    real = events.publish_on_commit

    def capture(group, event, **kwargs):
        if group.startswith("user-"):
            sent.append((group, json.loads(event["frame"])))
        return real(group, event, **kwargs)

    monkeypatch.setattr(events, "publish_on_commit", capture)
    return sent


def _card(card):
    return Card.objects.select_related("board").get(pk=card.pk)


def _comment(comment):
    return Comment.objects.select_related("board__team", "card", "author").get(pk=comment.pk)


def comment_by_bob(card, body="@vera could you look?"):
    return actions.add_comment(card=_card(card), user=bob_of(card), body=body)


def bob_of(card):
    return card.board.team.memberships.get(user__email="bob@example.com").user


# --- One model -----------------------------------------------------------------------------------
def test_a_comment_mention_is_a_mention_with_a_notification_and_a_live_badge(card, bob, vera, told):
    comment = comment_by_bob(card)
    mention = Mention.objects.get(user=vera)
    assert (mention.comment, mention.message, mention.kind) == (comment, None, "comment")
    assert mention.get_absolute_url() == f"{card.get_absolute_url()}#comment-{comment.pk}"
    notification = Notification.objects.get(user=vera)
    assert (notification.comment, notification.reason) == (comment, "mention")
    ((group, frame),) = told
    assert group == f"user-{vera.pk}" and frame["type"] == "mention" and frame["count"] == 1
    assert frame["data"]["comment"] == comment.pk and frame["data"]["card_title"] == "Slow API"


def test_a_mention_points_at_exactly_one_thing(card, bob, vera):
    from django.db import IntegrityError, transaction

    comment = comment_by_bob(card, "no mention")
    message = chat_actions.post_message(
        room=chat_actions.create_room(user=bob, name="general"),
        author=bob,
        body="hi",
        client_id="x",
    ).message
    for wrong in ({}, {"comment": comment, "message": message}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Mention.objects.create(user=vera, **wrong)


def test_the_mentions_page_lists_messages_and_comments_newest_first(client, card, alice, bob):
    room = chat_actions.create_room(user=alice, name="general")
    chat_actions.post_message(room=room, author=alice, body="@bob in a room", client_id="a")
    comment = actions.add_comment(card=_card(card), user=alice, body="@bob on a card")
    found = list(chat_queries.mentions_of(bob))
    assert [m.kind for m in found] == ["comment", "message"]
    client.force_login(bob)
    page = client.get(reverse("chat:mentions")).content.decode()
    assert page.index("on a card") < page.index("in a room")
    assert f'href="{card.get_absolute_url()}#comment-{comment.pk}"' in page
    assert "Slow API" in page and "Real-world challenges" in page
    assert chat_queries.nav_state(bob)["mentions"] == 2
    client.post(reverse("chat:mentions_seen"))  # marking seen works for both kinds
    assert chat_queries.nav_state(bob)["mentions"] == 0
    assert not Mention.objects.filter(user=bob, seen_at__isnull=True).exists()


def test_a_removed_member_no_longer_counts_a_comment_mention(card, alice, bob):
    actions.add_comment(card=_card(card), user=alice, body="@bob look")
    assert chat_queries.nav_state(bob)["mentions"] == 1
    account_actions.remove_member(team=card.board.team, user=alice, member=bob)
    assert chat_queries.nav_state(bob)["mentions"] == 0
    assert list(chat_queries.mentions_of(bob)) == []


# --- Editing re-evaluates mentions --------------------------------------------------------------
def test_an_edit_that_drops_a_name_takes_the_mention_back(card, bob, vera, told):
    comment = comment_by_bob(card)
    actions.edit_comment(comment=_comment(comment), user=bob, body="never mind")
    assert not Mention.objects.filter(user=vera).exists()
    assert list(chat_queries.mentions_of(vera)) == []
    assert Notification.objects.get(user=vera).status == "skipped"  # no email about it
    assert told[-1][1]["count"] == 0  # her badge counts again


def test_an_edit_that_adds_a_name_tells_them_once(card, alice, bob, vera, told):
    comment = comment_by_bob(card, "looking into it")
    assert told == []
    comment = actions.edit_comment(comment=_comment(comment), user=bob, body="@alice see this")
    assert [m.user for m in Mention.objects.filter(comment=comment)] == [alice]
    assert len(told) == 1
    actions.edit_comment(comment=_comment(comment), user=bob, body="@alice see this, again")
    assert len(told) == 1 and Notification.objects.filter(user=alice).count() == 1
    # Taken out, then put back: the mention is listed again, but nobody is told twice.
    actions.edit_comment(comment=_comment(comment), user=bob, body="see this")
    actions.edit_comment(comment=_comment(comment), user=bob, body="@alice see this")
    assert Mention.objects.get(user=alice).seen_at is not None
    assert [t for t in told if t[1]["data"].get("comment")] == told[:1]
    assert Notification.objects.filter(user=alice).count() == 1


def test_an_edit_is_rendered_and_marked(card, bob):
    comment = comment_by_bob(card, "plain")
    edited = actions.edit_comment(comment=_comment(comment), user=bob, body="**bold**")
    assert "<strong>bold</strong>" in edited.body_html and edited.edited_at is not None
    with pytest.raises(ValidationError, match="needs some text"):
        actions.edit_comment(comment=_comment(comment), user=bob, body="  ")


def test_a_deleted_comment_leaves_the_card_and_the_mentions(client, card, bob, vera):
    comment = comment_by_bob(card)
    actions.delete_comment(comment=_comment(comment), user=bob)
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    assert not Mention.objects.filter(user=vera).exists()
    assert Card.objects.get(pk=card.pk).comment_count == 0
    client.force_login(bob)
    page = client.get(card.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' not in page
    with pytest.raises(ValidationError):
        actions.edit_comment(comment=_comment(comment), user=bob, body="back")


# --- Who may edit and delete --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "may_edit", "may_delete"),
    [
        ("author", True, True),
        ("other member", False, False),
        ("owner", False, True),
        ("viewer", False, False),
        ("outsider", False, False),
        ("removed member", False, False),
    ],
)
def test_who_may_edit_and_delete_a_comment(card, alice, bob, vera, charlie, dana, who, may_edit,
                                           may_delete):  # fmt: skip
    comment = comment_by_bob(card, "first take")
    person = {"author": bob, "other member": dana, "owner": alice, "viewer": vera,
              "outsider": charlie, "removed member": bob}[who]  # fmt: skip
    if who == "removed member":
        account_actions.remove_member(team=card.board.team, user=alice, member=bob)
    if may_edit:
        actions.edit_comment(comment=_comment(comment), user=person, body="second take")
    else:
        with pytest.raises(PermissionDenied):
            actions.edit_comment(comment=_comment(comment), user=person, body="second take")
    if may_delete:
        actions.delete_comment(comment=_comment(comment), user=person)
        assert Comment.objects.get(pk=comment.pk).is_deleted
    else:
        with pytest.raises(PermissionDenied):
            actions.delete_comment(comment=_comment(comment), user=person)
        assert not Comment.objects.get(pk=comment.pk).is_deleted


# --- Live ---------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_edits_and_deletes_reach_every_viewer_and_are_caught_up(alice, bob, card):
    from channels.db import database_sync_to_async

    comment = await database_sync_to_async(comment_by_bob)(card, "first")
    async with on_board(bob, card.board) as b, on_board(alice, card.board) as a:
        synced = await next_of(a, "synced")
        await next_of(b, "synced")
        edit = {"action": "edit_comment", "card": card.pk, "comment": comment.pk, "body": "second"}
        await b.send_to(text_data=json.dumps(edit))
        edited = await next_of(a, "comment_edited")
        assert edited["id"] == comment.pk and edited["data"]["body"] == "second"
        assert "(edited)" in edited["html"]
        await a.send_to(text_data=json.dumps({**edit, "body": "not mine"}))
        error = await next_of(a, "error")
        assert error["code"] == "forbidden" and error["comment"] == comment.pk
        await a.send_to(text_data=json.dumps({"action": "delete_comment", "comment": comment.pk}))
        deleted = await next_of(b, "comment_deleted")
        assert deleted["id"] == comment.pk and deleted["data"]["deleted"] is True
        assert "html" not in deleted
    async with on_board(alice, card.board, since=synced["event"]) as again:
        caught = await next_of(again, "comment_deleted")
    assert caught["id"] == comment.pk


def test_catch_up_sends_each_comment_as_it_is_now(card, bob):
    from boards import events as board_events

    since = card.board.__class__.objects.get(pk=card.board_id).last_event
    kept = comment_by_bob(card, "kept")
    edited = comment_by_bob(card, "first")
    gone = comment_by_bob(card, "gone")
    actions.edit_comment(comment=_comment(edited), user=bob, body="second")
    actions.delete_comment(comment=_comment(gone), user=bob)
    frames = [json.loads(text) for text in board_events.events_since(card.board, since)]
    comments = [(f["type"], f["id"]) for f in frames if f["type"].startswith("comment")]
    assert comments == [
        ("comment", kept.pk), ("comment_edited", edited.pk), ("comment_deleted", gone.pk),
    ]  # fmt: skip
