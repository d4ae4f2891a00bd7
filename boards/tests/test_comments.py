"""Comments on cards: who may post, Markdown escaped, live to every viewer and caught up
after a reconnect, @mentions recorded for people who can see the board."""

import json

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from boards import actions
from boards import events as board_events
from boards.models import Activity, Card, Comment
from boards.queries import card_for_render, render_card
from boards.tests.test_consumer import next_of, on_board
from chat.models import Mention


def _card(card):
    return Card.objects.select_related("board").get(pk=card.pk)


def test_a_comment_is_markdown_with_raw_html_escaped(card, bob):
    comment = actions.add_comment(card=_card(card), user=bob, body="**Fixed** <script>x</script>")
    assert "<strong>Fixed</strong>" in comment.body_html and "<script>" not in comment.body_html
    assert Activity.objects.filter(card=card, verb="commented on a card").exists()
    tile = render_card(card_for_render(card.pk))
    assert '1<span class="visually-hidden"> comment</span>' in tile


@pytest.mark.parametrize(("body", "message"), [("   ", "needs some text"), ("x" * 4001, "at most")])
def test_an_empty_or_long_comment_is_refused_clearly(card, bob, body, message):
    with pytest.raises(ValidationError, match=message):
        actions.add_comment(card=_card(card), user=bob, body=body)


def test_readers_cannot_comment(public_board, bob):
    public_card = actions.create_card(board=public_board, user=public_board.created_by, title="T")
    with pytest.raises(PermissionDenied):
        actions.add_comment(card=_card(public_card), user=bob, body="hi")


def test_a_mention_is_recorded_for_people_who_can_see_the_board(card, alice, bob, charlie):
    comment = actions.add_comment(card=_card(card), user=alice, body="@bob and @charlie, look")
    assert [m.user for m in Mention.objects.filter(comment=comment)] == [bob]
    html = json.loads(board_events.comment_frame(comment))["html"]
    assert f'data-mentions="{bob.pk} "' in html  # the page of the person named marks it


def test_the_card_page_lists_comments_and_posts_without_javascript(client, board, card, bob):
    client.force_login(bob)
    url = reverse("boards:comment", args=[board.pk, card.pk])
    response = client.post(url, {"body": "Seen in _staging_ too"}, follow=True)
    page = response.content.decode()
    assert "<em>staging</em>" in page and 'class="comment"' in page
    assert client.post(url, {"body": ""}, follow=True).status_code == 200
    assert Comment.objects.count() == 1


def test_an_outsider_cannot_comment(client, board, card, charlie):
    client.force_login(charlie)
    response = client.post(reverse("boards:comment", args=[board.pk, card.pk]), {"body": "hi"})
    assert response.status_code == 404 and not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_a_comment_reaches_every_viewer_and_is_caught_up(alice, bob, card):
    async with on_board(alice, card.board) as a, on_board(bob, card.board) as b:
        await next_of(a, "synced")
        synced = await next_of(b, "synced")
        await a.send_to(text_data=json.dumps({"action": "comment", "card": card.pk, "body": "hi"}))
        seen = await next_of(b, "comment")
        tile = await next_of(b, "card")  # the tile counts it
        mine = await next_of(a, "comment")
    assert tile["id"] == card.pk and tile["data"]["comment_count"] == 1
    assert seen == mine and seen["card"] == card.pk and seen["event"] == synced["event"] + 1
    assert seen["data"]["body"] == "hi" and seen["data"]["author"]["name"] == alice.name
    assert f'id="comment-{seen["id"]}"' in seen["html"]
    async with on_board(bob, card.board, since=synced["event"]) as again:
        caught = await next_of(again, "comment")
    assert caught["id"] == seen["id"]


@pytest.mark.django_db(transaction=True)
async def test_a_bad_comment_frame_gets_a_clear_error(alice, card):
    async with on_board(alice, card.board) as socket:
        await next_of(socket, "synced")
        await socket.send_to(text_data=json.dumps({"action": "comment", "card": card.pk}))
        error = await next_of(socket, "error")
    assert error["action"] == "comment" and error["code"] == "invalid"
    assert await database_sync_to_async(Comment.objects.count)() == 0
