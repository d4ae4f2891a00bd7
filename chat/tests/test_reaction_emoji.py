"""Reactions take any one emoji (checked with the `emoji` package), stored fully qualified."""

import pytest
from django.core.exceptions import ValidationError

from chat import actions
from chat.events import message_data
from chat.models import Reaction
from chat.queries import messages_of


@pytest.fixture
def message(general, alice):
    return actions.post_message(room=general, author=alice, body="hi", client_id="m").message


@pytest.mark.parametrize(
    "emoji", ["🐅", "👍🏽", "🧑‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "#️⃣", "🧑🏻‍❤️‍💋‍🧑🏼"]
)
def test_any_one_emoji_is_a_reaction(message, bob, emoji):
    assert actions.toggle_reaction(message=message, user=bob, emoji=emoji) is True
    assert Reaction.objects.get().emoji == emoji


@pytest.mark.parametrize("text", ["", "a", "ok", "👍👍", "👍 ", "🏽", "<b>", 7, None, "x" * 40])
def test_anything_else_is_refused(message, bob, text):
    with pytest.raises(ValidationError, match="one emoji"):
        actions.toggle_reaction(message=message, user=bob, emoji=text)
    assert not Reaction.objects.exists()


def test_a_picker_s_variation_selector_is_set_right(message, bob):
    actions.toggle_reaction(message=message, user=bob, emoji="👍\ufe0f")  # as emojibase writes it
    assert Reaction.objects.get().emoji == "👍"
    assert actions.toggle_reaction(message=message, user=bob, emoji="👍") is False  # the same one
    actions.toggle_reaction(message=message, user=bob, emoji="❤")  # without its selector
    assert Reaction.objects.get().emoji == "❤️"


def test_the_palette_comes_first_then_others_as_given(message, alice, bob):
    for emoji in ["🐅", "🎉", "🦀", "👍"]:
        actions.toggle_reaction(message=message, user=bob, emoji=emoji)
    fresh = messages_of(message.room).get(pk=message.pk)
    assert [r["emoji"] for r in message_data(fresh)["reactions"]] == ["👍", "🎉", "🐅", "🦀"]
