"""Notification emails: mentions (in messages and card comments) and replies a person has not
read, sent when they stayed away (one email for all of them) or in a daily digest, as they
chose on their profile.

The rows are the outbox (`Notification`, written with the message). A send first locks the
person's pending rows (`skip_locked`: two runs never take the same ones), leaves out what was
read or seen meanwhile and what they may no longer see, sends one email and marks the rows in
the same transaction: run twice, it sends once. A mail server that fails rolls the marks back;
the next run tries again."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import policies, unsubscribe
from accounts.models import EmailNotifications, User
from chat.models import Mention, Notification, RoomVisit
from webhooks.outbox import absolute

log = logging.getLogger(__name__)
EXCERPT = 300  # characters of each message in an email
PER_EMAIL = 50  # messages listed in one email; the rest are counted


def email_away(now: datetime | None = None) -> int:
    """Email everyone who wants it right away and has a notification unread for longer than
    NOTIFY_EMAIL_DELAY_SECONDS: one email with all their unread ones. Returns emails sent."""
    now = now or timezone.now()
    _skip_for_people_who_want_none()
    cutoff = now - timedelta(seconds=settings.NOTIFY_EMAIL_DELAY_SECONDS)
    due = Notification.objects.filter(
        status=Notification.Status.PENDING,
        created_at__lte=cutoff,
        user__email_notifications=EmailNotifications.AWAY,
    )
    people = sorted(set(due.values_list("user_id", flat=True)))
    return sum(_email(pk, EmailNotifications.AWAY, now) for pk in people)


def email_digests(now: datetime | None = None) -> int:
    """The daily digest: one email to each person who chose it, with what they have not read."""
    now = now or timezone.now()
    _skip_for_people_who_want_none()
    due = Notification.objects.filter(
        status=Notification.Status.PENDING, user__email_notifications=EmailNotifications.DIGEST
    )
    people = sorted(set(due.values_list("user_id", flat=True)))
    return sum(_email(pk, EmailNotifications.DIGEST, now) for pk in people)


def _skip_for_people_who_want_none() -> None:
    """Someone who wants no email is never mailed an old one after changing their mind."""
    Notification.objects.filter(
        status=Notification.Status.PENDING, user__email_notifications=EmailNotifications.NEVER
    ).update(status=Notification.Status.SKIPPED)


def _email(user_id: int, kind: str, now: datetime) -> int:
    """One email to the person about their pending notifications, if any are still worth it."""
    try:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(user_id=user_id, status=Notification.Status.PENDING)
                .select_related(
                    "user",
                    "message__room__team",
                    "message__author",
                    "comment__board__team",
                    "comment__card",
                    "comment__author",
                )
                .order_by("created_at", "pk")
            )
            if not rows:
                return 0  # another run has them, or sent them
            person = rows[0].user
            if person.email_notifications != kind:  # changed their mind meanwhile
                return 0
            wanted = _still_unread(person, rows)
            Notification.objects.filter(pk__in=[n.pk for n in rows if n not in wanted]).update(
                status=Notification.Status.SKIPPED
            )
            if not wanted:
                return 0
            Notification.objects.filter(pk__in=[n.pk for n in wanted]).update(
                status=Notification.Status.EMAILED, emailed_at=now
            )
            message_for(person, wanted, digest=kind == EmailNotifications.DIGEST).send()
            return 1
    except Exception:
        log.exception("notification email to user %s failed: the next run tries again", user_id)
        return 0


def _still_unread(person: User, rows: list[Notification]) -> list[Notification]:
    """The notifications the person has not read and may still see: a message not deleted,
    past their read mark and its mention not seen, in a room they see; a card comment not
    deleted, its mention still there (an edit can take it back) and not seen, on a board they
    see."""
    rooms = {n.message.room_id for n in rows if n.message_id}
    read_to = dict(
        RoomVisit.objects.filter(user=person, room_id__in=rooms).values_list(
            "room_id", "last_read_seq"
        )
    )
    seen = set(
        Mention.objects.filter(
            user=person, message__in=[n.message_id for n in rows if n.message_id],
            seen_at__isnull=False,
        ).values_list("message_id", flat=True)
    )  # fmt: skip
    unseen_comments = set(
        Mention.objects.filter(
            user=person, comment__in=[n.comment_id for n in rows if n.comment_id],
            seen_at__isnull=True,
        ).values_list("comment_id", flat=True)
    )  # fmt: skip
    visible: dict[tuple[str, int], bool] = {}

    def sees(space) -> bool:
        key = (space._meta.label, space.pk)
        if key not in visible:
            visible[key] = policies.can_view_space(person, space)
        return visible[key]

    kept = []
    for n in rows:
        if n.comment_id:
            comment = n.comment
            if not comment.is_deleted and comment.pk in unseen_comments and sees(comment.board):
                kept.append(n)
            continue
        message = n.message
        if (
            sees(message.room)
            and not message.is_deleted
            and message.seq > read_to.get(message.room_id, 0)
            and message.pk not in seen
        ):
            kept.append(n)
    return kept


def _item(n: Notification) -> dict:
    """One line of the email, for a message or a card comment."""
    if n.comment_id:
        comment = n.comment
        place = f"“{comment.card.title}” ({comment.board.name})"
        return {
            "author": comment.author.name if comment.author else "Someone",
            "reason": n.get_reason_display(),
            "room": place,
            "where": f"in a comment on {place}",
            "where_prefix": "in a comment on",
            "place": place,
            "what": "card",
            "excerpt": _excerpt(comment.body),
            "url": absolute(comment.get_absolute_url()),
            "at": comment.created_at,
        }
    message = n.message
    return {
        "author": message.author.name,
        "reason": n.get_reason_display(),
        "room": str(message.room),
        "where": f"in {message.room}",
        "where_prefix": "in",
        "place": str(message.room),
        "what": "message",
        "excerpt": _excerpt(message.body),
        "url": absolute(message.get_absolute_url()),
        "at": message.created_at,
    }


def message_for(person: User, rows: list[Notification], *, digest: bool) -> EmailMultiAlternatives:
    """The email: plain text and HTML from one context, with RFC 8058 one-click unsubscribe."""
    unsubscribe_url = absolute(unsubscribe.url_path(person))
    items = [_item(n) for n in rows[:PER_EMAIL]]
    context = {
        "person": person,
        "items": items,
        "more": max(0, len(rows) - PER_EMAIL),
        "digest": digest,
        "site_name": settings.SITE_NAME,
        "profile_url": absolute(reverse("accounts:profile")),
        "unsubscribe_url": unsubscribe_url,
    }
    if digest:
        subject = f"[{settings.SITE_NAME}] Your daily digest: {_count(len(rows))}"
    elif len(rows) == 1:
        first = items[0]
        subject = f"[{settings.SITE_NAME}] {first['author']} {first['reason']} {first['where']}"
    else:
        subject = f"[{settings.SITE_NAME}] {_count(len(rows))} while you were away"
    email = EmailMultiAlternatives(
        subject,
        render_to_string("chat/email/notifications.txt", context),
        None,
        [person.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(
        render_to_string("chat/email/notifications.html", context), "text/html"
    )
    return email


def _count(n: int) -> str:
    return "1 new message for you" if n == 1 else f"{n} new messages for you"


def _excerpt(body: str) -> str:
    body = " ".join(body.split())
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1].rstrip() + "…"
