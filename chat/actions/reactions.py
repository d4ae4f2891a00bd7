"""Reactions: toggled, rate-limited like posts, each a change of the room."""

import emoji as emoji_data
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policies
from accounts.models import User
from chat.actions.messages import _change, check_rate
from chat.models import REACTIONS, Message, Reaction

_COMPONENT = emoji_data.STATUS["component"]
_QUALIFIED = emoji_data.STATUS["fully_qualified"]


def canonical_emoji(text: object) -> str | None:
    """`text` as one whole emoji, fully qualified (the form the Unicode emoji list gives, from
    the `emoji` package), or None if it is not one emoji. A variation selector a picker added
    or left out is set right; a lone skin-tone or hair component is not an emoji."""
    if not isinstance(text, str) or not 0 < len(text) <= 32:
        return None
    if text in REACTIONS:
        return text
    bare = text.replace("\ufe0f", "")
    found = [form for form in (text, bare, f"{bare}\ufe0f") if form in emoji_data.EMOJI_DATA]
    if not found:
        return None
    qualified = [f for f in found if emoji_data.EMOJI_DATA[f]["status"] == _QUALIFIED]
    best = (qualified or found)[0]
    return None if emoji_data.EMOJI_DATA[best]["status"] == _COMPONENT else best


def toggle_reaction(*, message: Message, user: User, emoji: object) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is there now."""
    emoji = canonical_emoji(emoji)
    if emoji is None:
        raise ValidationError("React with one emoji.")
    if not policies.can_post(user, message.room) or message.is_deleted:
        raise PermissionDenied("You cannot react to this message.")
    check_rate(user, "react")  # each toggle is a frame to everyone in the room
    added = []

    def apply(locked: Message) -> None:
        removed, _ = Reaction.objects.filter(message=locked, user=user, emoji=emoji).delete()
        if not removed:
            Reaction.objects.create(message=locked, user=user, emoji=emoji)
            added.append(emoji)

    with transaction.atomic():
        _change(message, apply)
    return bool(added)
