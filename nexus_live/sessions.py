"""Sockets belong to a session: signing out closes every socket that session opened."""

import hashlib

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


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
