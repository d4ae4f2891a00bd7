"""Reactions: toggled, rate-limited like posts, each a change of the room."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policies
from accounts.models import User
from chat.actions.messages import _change, check_rate
from chat.models import REACTIONS, Message, Reaction


def toggle_reaction(*, message: Message, user: User, emoji: object) -> bool:
    """Add the reaction, or take it back if it is there. Returns whether it is there now."""
    if emoji not in REACTIONS:
        raise ValidationError("React with one of: " + " ".join(REACTIONS))
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
