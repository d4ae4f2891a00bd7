"""A link's card reaches every open page when it is fetched (a `message_changed` of the room),
a page that was away gets it by catch-up, and the author's removal travels the same way."""

import json

import pytest
from channels.db import database_sync_to_async

from chat import actions
from chat.models import LinkPreview, Message
from chat.tests.conftest import connected, drain, frames_until
from chat.tests.test_previews import HTML, page
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_fetched_card_reaches_every_socket_and_catch_up(
    loopback, queued, alice, bob, general
):
    with Receiver([(200, HTML, page(title="Cursor <pagination>"))]) as site:
        async with connected(alice, general) as a, connected(bob, general) as b:
            await frames_until(a, "synced")
            await frames_until(b, "synced")
            body = f"Read {site.url} first"
            await a.send_to(
                text_data=json.dumps({"action": "post", "client_id": "c1", "body": body})
            )
            (posted,) = await frames_until(b, "message")
            assert posted["data"]["previews"] == []  # not fetched yet
            assert len(queued) == 1  # queued after the commit
            await database_sync_to_async(actions.fetch_preview)(queued[0])
            (changed,) = await frames_until(b, "message_changed")
            assert changed["id"] == posted["id"] and changed["event"] > posted["event"]
            (card,) = changed["data"]["previews"]
            assert card["title"] == "Cursor <pagination>" and card["url"] == site.url
            assert "Cursor &lt;pagination&gt;" in changed["html"]
            assert 'class="link-preview"' in changed["html"]
            await drain(a)
        async with connected(bob, general, since=posted["event"]) as late:
            frames = await frames_until(late, "synced")
            (caught,) = [f for f in frames if f["type"] == "message"]
            assert caught["data"]["previews"][0]["title"] == "Cursor <pagination>"


async def test_the_author_removes_a_card_over_the_socket(loopback, queued, alice, bob, general):
    def posted_with_card() -> tuple[Message, int]:
        with Receiver([(200, HTML, page())]) as site:
            message = actions.post_message(
                room=general, author=alice, body=site.url, client_id="c1"
            ).message
            actions.fetch_preview(LinkPreview.objects.get().pk)
        return message, message.previews.get().pk

    message, card = await database_sync_to_async(posted_with_card)()
    async with connected(alice, general) as a, connected(bob, general) as b:
        await frames_until(a, "synced")
        await frames_until(b, "synced")
        await b.send_to(
            text_data=json.dumps({"action": "unpreview", "id": message.pk, "preview": card})
        )
        (error,) = await frames_until(b, "error")
        assert error["code"] == "forbidden"
        for bad in ("x", None, card + 1000):
            await a.send_to(
                text_data=json.dumps({"action": "unpreview", "id": message.pk, "preview": bad})
            )
            (error,) = await frames_until(a, "error")
            assert error["code"] == "invalid"
        await a.send_to(
            text_data=json.dumps({"action": "unpreview", "id": message.pk, "preview": card})
        )
        (changed,) = await frames_until(b, "message_changed")
        assert changed["data"]["previews"] == [] and "link-preview" not in changed["html"]
        await drain(a)
