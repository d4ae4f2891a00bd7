"""A mention in a card comment reaches the person who stayed away like one in a message: in
the "away" email and in the daily digest, linking to the card; never once the mention was
seen, edited away, deleted, or the board is out of their sight."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import actions as account_actions
from boards import actions
from boards.models import Card, Comment
from chat import notifications
from chat.actions import mark_mentions_seen, post_message
from chat.models import Notification, Room
from webhooks.outbox import absolute


def later(seconds: float = 301):
    return timezone.now() + timedelta(seconds=seconds)


def comment(card, who, body):
    return actions.add_comment(
        card=Card.objects.select_related("board").get(pk=card.pk), user=who, body=body
    )


def test_a_comment_mention_is_in_the_away_email(card, alice, bob):
    made = comment(card, alice, "@bob the p99 is back to 40 ms")
    assert notifications.email_away(later()) == 1
    (email,) = mail.outbox
    assert email.to == [bob.email]
    assert email.subject.endswith(
        "Alice mentioned you in a comment on “Slow API” (Real-world challenges)"
    )
    assert "@bob the p99 is back to 40 ms" in email.body
    assert absolute(made.get_absolute_url()) in email.body
    html, _ = email.alternatives[0]
    assert "Open the card" in html and "Slow API" in html
    assert Notification.objects.get(user=bob).status == "emailed"
    assert notifications.email_away(later()) == 0  # sent once


def test_the_digest_lists_comment_and_message_mentions_together(card, team, alice, bob):
    account_actions.update_profile(
        user=bob, display_name="Bob", track="backend", email_notifications="digest"
    )
    room = Room.objects.create(name="nexus", slug="nexus", team=team, is_private=True)
    post_message(room=room, author=alice, body="@bob in the room", client_id="m1")
    comment(card, alice, "@bob on the card")
    assert notifications.email_digests(later()) == 1
    (email,) = mail.outbox
    assert "Your daily digest: 2 new messages" in email.subject
    assert "Alice mentioned you in #nexus" in email.body
    assert "Alice mentioned you in a comment on “Slow API”" in email.body
    assert "@bob on the card" in email.body


@pytest.mark.parametrize("what", ["seen", "edited away", "deleted", "removed from the team"])
def test_no_email_about_a_comment_mention_that_is_gone(card, alice, bob, what):
    made = comment(card, alice, "@bob look")
    fresh = Comment.objects.select_related("board__team", "card", "author").get(pk=made.pk)
    if what == "seen":
        mark_mentions_seen(user=bob)
    elif what == "edited away":
        actions.edit_comment(comment=fresh, user=alice, body="never mind")
    elif what == "deleted":
        actions.delete_comment(comment=fresh, user=alice)
    else:
        account_actions.remove_member(team=card.board.team, user=alice, member=bob)
    assert notifications.email_away(later()) == 0
    assert mail.outbox == []
