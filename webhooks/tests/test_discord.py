"""The Discord format: readable, within Discord's limits, and unable to ping anyone."""

import orjson
import pytest

from boards.actions import create_board, create_card, move_card
from chat.actions import create_room, post_message
from webhooks.models import Event, Format, Kind
from webhooks.payloads import DISCORD_CONTENT, DISCORD_TITLE, discord_message, request_for
from webhooks.tests.conftest import make_endpoint


@pytest.fixture
def discord(team, alice):
    return make_endpoint(
        team, alice, "https://discord.example.org/api/webhooks/1/x", format=Format.DISCORD
    )


def test_a_long_message_with_everyone_stays_within_limits_and_pings_nobody(team, alice, discord):
    room = create_room(user=alice, name="general-help", team=team)
    body = "@everyone look " + "x" * 7_900
    post_message(room=room, author=alice, body=body, client_id="c1")
    payload = discord_message(Event.objects.get(kind=Kind.MESSAGE_POSTED))
    assert len(payload["content"]) <= DISCORD_CONTENT
    assert payload["content"].startswith(f"**{alice.name}** in #general-help: @everyone look")
    assert payload["content"].rstrip().endswith(">")  # the link to the message survives the cut
    assert payload["allowed_mentions"] == {"parse": []}
    body, headers = request_for(discord, Event.objects.get(), Event.objects.get().created_at)
    assert "webhook-signature" not in headers  # Discord verifies nothing; the URL is the secret
    assert orjson.loads(body) == payload


def test_a_solved_card_is_an_embed_within_limits(team, alice, discord):
    board = create_board(user=alice, name="Challenges", team=team)
    card = create_card(board=board, user=alice, title="T" * 200, problem="p", solution="s" * 5000)
    move_card(card=card, user=alice, column=board.columns.last())
    payload = discord_message(Event.objects.get(kind=Kind.CARD_SOLVED))
    (embed,) = payload["embeds"]
    assert len(embed["title"]) <= DISCORD_TITLE
    assert len(embed["description"]) <= 2000
    assert embed["url"].endswith(card.get_absolute_url())
    assert "solved a challenge on Challenges" in payload["content"]
    assert len(orjson.dumps(payload)) < 6000 + 500  # Discord: 6,000 characters of embeds
