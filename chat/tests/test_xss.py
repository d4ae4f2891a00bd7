"""Every XSS payload of the corpus, fed through messages, topics and names, stays text."""

import pytest
from django.core.exceptions import ValidationError

from accounts import actions as actions_accounts
from chat import actions
from chat.events import render_message
from nexus_live.online import _render_online
from tests.xss_corpus import XSS_PAYLOADS, unsafe_parts

MARKUP = [p for p in XSS_PAYLOADS if "<" in p or '"' in p]


def _raw_survives(payload: str, html: str) -> bool:
    return payload in html


def test_message_bodies_render_safely(alice, general, settings):
    settings.CHAT_RATE_BURST = 10_000
    for i, payload in enumerate(XSS_PAYLOADS):
        message = actions.post_message(
            room=general, author=alice, body=payload, client_id=f"x{i}"
        ).message
        assert unsafe_parts(message.body_html) == [], payload
        html = render_message(message)
        if payload in MARKUP:
            assert not _raw_survives(payload, html), payload


@pytest.mark.parametrize("payload", MARKUP)
def test_topics_render_as_text(client, alice, general, payload):
    actions.update_topic(room=general, user=alice, topic=payload)
    client.force_login(alice)
    html = client.get(general.get_absolute_url()).content.decode()
    assert not _raw_survives(" ".join(payload.split()), html)


@pytest.mark.parametrize("payload", MARKUP)
def test_display_names_render_as_text(alice, general, payload):
    actions_accounts.update_profile(user=alice, display_name=payload[:80], track="backend")
    message = actions.post_message(room=general, author=alice, body="hi", client_id="n").message
    for html in (
        render_message(message),
        _render_online("chat/room.html#online", {alice.pk}),
    ):
        assert not _raw_survives(alice.display_name, html)


@pytest.mark.parametrize("payload", ["<script>", 'a"b', "x onload=y", "<img src=x>"])
def test_room_names_with_markup_are_refused(alice, payload):
    with pytest.raises(ValidationError):
        actions.create_room(user=alice, name=payload)
