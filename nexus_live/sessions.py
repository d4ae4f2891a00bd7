"""Sockets belong to a person and a session: signing out closes every socket that session
opened; a change of role makes every socket of that person look again at what it may do."""

import hashlib

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


def access_group(user_pk: int) -> str:
    """Every live socket of one person: told when their access changes, and nothing else."""
    return f"access-{user_pk}"


def session_group(session_key: str | None) -> str | None:
    if not session_key:
        return None
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs) -> None:
    group = session_group(getattr(request.session, "session_key", None))
    layer = get_channel_layer()
    if group and layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "session.signed_out"})
