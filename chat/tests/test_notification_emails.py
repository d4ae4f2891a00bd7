"""Notification emails: mentions and replies in one's threads, emailed only to people who
stayed away and have not read them, one email for a burst, a daily digest, or nothing; sent
once however often the task runs, never about a room the person may no longer see, with
one-click unsubscribe (RFC 8058)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import actions as account_actions
from accounts import unsubscribe
from accounts.models import EmailNotifications
from chat import notifications
from chat.actions import mark_mentions_seen, mark_read, post_message
from chat.models import Notification
from nexus_live.celery import app


def post(room, who, body, client_id, parent=None):
    return post_message(
        room=room, author=who, body=body, client_id=client_id, parent=parent
    ).message


def later(seconds: float = 301):
    """When the sweep runs: after the delay (the rows are as old as they are)."""
    return timezone.now() + timedelta(seconds=seconds)


def mention_bob_three_times(room, alice):
    return [post(room, alice, f"@bob look at this, number {i}", f"m{i}") for i in range(3)]


def test_it_emails_one_message_for_a_burst_of_mentions(private_room, alice, bob):
    mention_bob_three_times(private_room, alice)
    assert Notification.objects.filter(user=bob, reason="mention").count() == 3
    assert notifications.email_away(later()) == 1
    (email,) = mail.outbox
    assert email.to == [bob.email]
    assert "3 new messages for you" in email.subject
    text = email.body
    assert text.count("Alice mentioned you in #nexus") == 3
    assert "@bob look at this, number 2" in text
    html, kind = email.alternatives[0]
    assert kind == "text/html"
    assert "Open the message" in html
    assert set(Notification.objects.values_list("status", flat=True)) == {"emailed"}


def test_it_waits_until_the_person_stayed_away(private_room, alice, bob):
    mention_bob_three_times(private_room, alice)
    assert notifications.email_away(later(10)) == 0
    assert mail.outbox == []


def test_it_sends_nothing_about_what_was_read(private_room, alice, bob):
    messages = mention_bob_three_times(private_room, alice)
    mark_read(room=private_room, user=bob, seq=messages[-1].seq)
    assert notifications.email_away(later()) == 0
    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {"skipped"}


def test_it_sends_nothing_about_mentions_seen(private_room, alice, bob):
    mention_bob_three_times(private_room, alice)
    mark_mentions_seen(user=bob)
    assert notifications.email_away(later()) == 0


def test_it_mails_only_what_is_still_unread(private_room, alice, bob):
    first, *_ = mention_bob_three_times(private_room, alice)
    mark_read(room=private_room, user=bob, seq=first.seq)
    notifications.email_away(later())
    (email,) = mail.outbox
    assert "2 new messages" in email.subject
    assert "number 0" not in email.body


def test_running_it_twice_sends_once(private_room, alice, bob):
    mention_bob_three_times(private_room, alice)
    assert notifications.email_away(later()) == 1
    assert notifications.email_away(later()) == 0
    assert len(mail.outbox) == 1


def test_a_mail_server_down_leaves_them_for_the_next_run(private_room, alice, bob, monkeypatch):
    mention_bob_three_times(private_room, alice)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert notifications.email_away(later()) == 0
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    monkeypatch.undo()
    assert notifications.email_away(later()) == 1


def test_replies_reach_the_threads_people_but_not_their_author(general, alice, bob, vera):
    question = post(general, alice, "How do refresh tokens rotate?", "q")
    post(general, bob, "They are blacklisted after use.", "r1", parent=question)
    post(general, vera, "Only with the token_blacklist app.", "r2", parent=question)
    told = sorted(Notification.objects.values_list("user__display_name", "message__client_id"))
    assert told == [("Alice", "r1"), ("Alice", "r2"), ("Bob", "r2")]
    assert notifications.email_away(later()) == 2
    by_person = {email.to[0]: email for email in mail.outbox}
    assert "Vera replied in a thread you are in" in by_person[bob.email].body
    assert "2 new messages" in by_person[alice.email].subject


def test_a_reply_that_mentions_someone_tells_them_once(general, alice, bob):
    question = post(general, alice, "Who knows Celery?", "q")
    post(general, bob, "@alice I do", "r1", parent=question)
    (told,) = Notification.objects.all()
    assert (told.user, told.reason) == (alice, "mention")


def test_digest_people_get_one_digest(private_room, alice, bob):
    account_actions.update_profile(
        user=bob, display_name="Bob", track="backend", email_notifications="digest"
    )
    mention_bob_three_times(private_room, alice)
    assert notifications.email_away(later()) == 0  # not right away
    assert notifications.email_digests(later()) == 1
    assert notifications.email_digests(later()) == 0
    (email,) = mail.outbox
    assert "Your daily digest: 3 new messages" in email.subject


def test_never_means_nothing(private_room, alice, bob):
    bob.email_notifications = EmailNotifications.NEVER
    bob.save()
    mention_bob_three_times(private_room, alice)
    assert notifications.email_away(later()) == 0
    assert notifications.email_digests(later()) == 0
    assert mail.outbox == []
    # Changing their mind later mails nothing old.
    bob.email_notifications = EmailNotifications.AWAY
    bob.save()
    assert notifications.email_away(later()) == 0


def test_nobody_hears_of_a_private_room_after_leaving_its_team(private_room, team, alice, bob):
    mention_bob_three_times(private_room, alice)
    account_actions.remove_member(team=team, user=alice, member=bob)
    assert notifications.email_away(later()) == 0
    assert mail.outbox == []


def test_the_email_has_one_click_unsubscribe(private_room, alice, bob, settings):
    settings.DEBUG = False  # links are https, as RFC 8058 requires
    post(private_room, alice, "@bob a question", "m1")
    notifications.email_away(later())
    (email,) = mail.outbox
    message = email.message()
    link = message["List-Unsubscribe"]
    assert link.startswith("<https://") and link.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.url_path(bob) in link
    assert link[1:-1] in email.body
    assert "Alice mentioned you in #nexus" in email.subject
    assert "https://" + settings.SITE_DOMAIN + "/rooms/nexus/" in email.body


def test_the_tasks_are_registered_and_scheduled(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()  # what a worker and beat do first: autodiscovery
    for name in ("chat.tasks.email_away", "chat.tasks.email_digests"):
        assert name in app.tasks
        assert name in schedule


@pytest.mark.parametrize("task", ["email_away", "email_digests"])
def test_the_tasks_run_the_sends(task, monkeypatch):
    from chat import tasks

    called = []
    monkeypatch.setattr(notifications, task, lambda: called.append(task) or 1)
    getattr(tasks, task).apply()
    assert called == [task]


def test_it_emails_the_other_members_of_a_direct_conversation(alice, bob, charlie):
    from chat.actions import open_direct

    room = open_direct(alice, [bob, charlie])
    post(room, alice, "Lunch at noon?", "d1")
    assert notifications.email_away(later()) == 2
    assert sorted(email.to[0] for email in mail.outbox) == [bob.email, charlie.email]
    assert "Alice wrote to you in Alice, Bob, Charlie" in mail.outbox[0].body
    assert room.get_absolute_url() in mail.outbox[0].body
