"""Comments on cards: posted by the people who edit the board, Markdown rendered once,
broadcast to every viewer; an @mention is recorded for the person it names (if they can see
the board)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts.models import User
from boards import events as board_events
from boards.actions.boards import log, next_event, publish, require_edit
from boards.models import Card, Comment, CommentMention
from chat.queries import mentioned_people
from nexus_live import metrics
from nexus_live.markdown import render_markdown
from nexus_live.text import plain_text

COMMENT_MAX = 4_000


def add_comment(*, card: Card, user: User, body: object) -> Comment:
    board = card.board
    require_edit(user, board)
    body = plain_text(body, "A comment").strip()
    if not body:
        raise ValidationError("A comment needs some text.")
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            f"A comment is at most {COMMENT_MAX:,} characters ({len(body):,} given)."
        )
    html = render_markdown(body)  # outside the lock: rendering is the slow part
    with transaction.atomic():
        event = next_event(board)
        if Card.objects.filter(pk=card.pk, archived_at__isnull=False).exists():
            raise ValidationError("This card is archived: restore it first.")
        # The tile counts comments: the card takes the event, so its cached tile is renewed.
        Card.objects.filter(pk=card.pk).update(comment_count=F("comment_count") + 1, event=event)
        comment = Comment.objects.create(
            card=card, board=board, author=user, body=body, body_html=html, event=event
        )
        people = [person for person in mentioned_people(board, body) if person.pk != user.pk]
        CommentMention.objects.bulk_create(
            [CommentMention(comment=comment, user=person) for person in people]
        )
        log(board, user, "commented on a card", event, card=card)
        metrics.written("card_commented")
        publish(board, board_events.comment_frame(comment))
        publish(board, board_events.changed_card_frame(card.pk, by=user))
    return comment
