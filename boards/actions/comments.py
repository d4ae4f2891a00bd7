"""Comments on cards: posted by the people who edit the board, Markdown rendered once,
broadcast to every viewer; edited by their author, deleted by their author or the board's
owners. An @mention is the same `chat.Mention` as in a message (decision 022): the Mentions
page, the badge and the notification emails see both."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import policies
from accounts.models import User
from boards import events as board_events
from boards.actions.boards import log, next_event, publish, require_edit
from boards.models import Card, Comment
from chat import events as room_events
from chat.models import Mention, Notification
from chat.queries import mentioned_people, unseen_mentions
from nexus_live import events, metrics
from nexus_live.markdown import render_markdown
from nexus_live.text import plain_text

COMMENT_MAX = 4_000


def _clean_body(body: object) -> str:
    body = plain_text(body, "A comment").strip()
    if not body:
        raise ValidationError("A comment needs some text.")
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            f"A comment is at most {COMMENT_MAX:,} characters ({len(body):,} given)."
        )
    return body


def _require_live_card(card: Card) -> None:
    if Card.objects.filter(pk=card.pk, archived_at__isnull=False).exists():
        raise ValidationError("This card is archived: restore it first.")


def add_comment(*, card: Card, user: User, body: object) -> Comment:
    board = card.board
    require_edit(user, board)
    body = _clean_body(body)
    html = render_markdown(body)  # outside the lock: rendering is the slow part
    with transaction.atomic():
        event = next_event(board)
        _require_live_card(card)
        # The tile counts comments: the card takes the event, so its cached tile is renewed.
        Card.objects.filter(pk=card.pk).update(comment_count=F("comment_count") + 1, event=event)
        comment = Comment.objects.create(
            card=card, board=board, author=user, body=body, body_html=html, event=event
        )
        _mentions_changed(comment)
        log(board, user, "commented on a card", event, card=card)
        metrics.written("card_commented")
        publish(board, board_events.comment_frame(comment))
        publish(board, board_events.changed_card_frame(card.pk, by=user))
    return comment


def edit_comment(*, comment: Comment, user: User, body: object) -> Comment:
    """The author rewrites their comment; its mentions follow the new text (see
    `_mentions_changed`)."""
    if not policies.can_edit_comment(user, comment):
        raise PermissionDenied("You can edit only your own comments.")
    if comment.is_deleted:
        raise ValidationError("This comment was deleted.")
    body = _clean_body(body)
    if body == comment.body:
        return comment
    html = render_markdown(body)
    board = comment.board
    with transaction.atomic():
        event = next_event(board)
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_deleted:
            raise ValidationError("This comment was deleted.")
        _require_live_card(locked.card)
        locked.board, locked.author = board, comment.author
        locked.body, locked.body_html = body, html
        locked.edited_at, locked.event = timezone.now(), event
        locked.save(update_fields=["body", "body_html", "edited_at", "event"])
        _mentions_changed(locked)
        log(board, user, "edited a comment", event, card=locked.card)
        metrics.written("comment_edited")
        publish(board, board_events.comment_frame(locked, kind="comment_edited"))
    return locked


def delete_comment(*, comment: Comment, user: User) -> Comment:
    """The comment loses its text and leaves every page; its mentions go with it."""
    if not policies.can_delete_comment(user, comment):
        raise PermissionDenied("You can delete only your own comments.")
    if comment.is_deleted:
        return comment
    board = comment.board
    with transaction.atomic():
        event = next_event(board)
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_deleted:
            return locked
        locked.board, locked.author = board, comment.author
        locked.body = locked.body_html = ""
        locked.deleted_at, locked.event = timezone.now(), event
        locked.save(update_fields=["body", "body_html", "deleted_at", "event"])
        Card.objects.filter(pk=locked.card_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1, event=event
        )
        _mentions_changed(locked)
        log(board, user, "deleted a comment", event, card=locked.card)
        metrics.written("comment_deleted")
        publish(board, board_events.comment_deleted_frame(locked))
        publish(board, board_events.changed_card_frame(locked.card_id, by=user))
    return locked


def _mentions_changed(comment: Comment) -> None:
    """Make the comment's mentions those of its text (none once deleted). A person no longer
    named loses the mention (and an email not sent yet); a person newly named is told once:
    the Notification row stays as the memory that they were, so a name removed and put back
    by later edits comes back already seen, never as a second notification."""
    author_id = comment.author_id
    people = [] if comment.is_deleted else mentioned_people(comment.board, comment.body)
    wanted = {person.pk: person for person in people if person.pk != author_id}
    had = set(Mention.objects.filter(comment=comment).values_list("user_id", flat=True))
    gone = had - set(wanted)
    if gone:
        Mention.objects.filter(comment=comment, user_id__in=gone).delete()
        Notification.objects.filter(
            comment=comment, user_id__in=gone, status=Notification.Status.PENDING
        ).update(status=Notification.Status.SKIPPED)
    new = [pk for pk in wanted if pk not in had]
    if not new:
        if gone:
            _tell_counts(gone)
        return
    told = set(
        Notification.objects.filter(comment=comment, user_id__in=new).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    Mention.objects.bulk_create(
        [Mention(comment=comment, user_id=pk, seen_at=now if pk in told else None) for pk in new]
    )
    first = [pk for pk in new if pk not in told]
    Notification.objects.bulk_create(
        [
            Notification(comment=comment, user_id=pk, reason=Notification.Reason.MENTION)
            for pk in first
        ],
        ignore_conflicts=True,
    )
    for pk in first:
        unseen = unseen_mentions(wanted[pk]).count()
        text = room_events.mention_frame(unseen, comment=comment)
        events.publish_on_commit(room_events.user_group(wanted[pk]), events.forward(text))
    if gone:
        _tell_counts(gone)


def _tell_counts(user_ids: set[int]) -> None:
    """People whose mention was taken back: their badges count again."""
    for person in User.objects.filter(pk__in=user_ids):
        text = room_events.mention_frame(unseen_mentions(person).count())
        events.publish_on_commit(room_events.user_group(person), events.forward(text))
