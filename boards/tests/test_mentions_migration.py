"""chat 0013 + boards 0009 (decision 022): every boards.CommentMention becomes a chat.Mention
of the comment, with its dates and seen mark, and back again when migrated backwards."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from boards import actions
from boards.models import Card
from chat.models import Mention, Notification

BEFORE = [("chat", "0012_link_previews"), ("boards", "0008_card_source")]
AFTER = [
    ("chat", "0013_mentions_of_comments"),
    ("boards", "0009_comments_edited_and_one_mentions_model"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    """Every app's newest migration, not AFTER: later ones (chat 0014...) must be back for
    the tests that run after this one."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_comment_mentions_move_to_the_one_mentions_model_and_back(card, alice, bob, vera):
    card = Card.objects.select_related("board").get(pk=card.pk)
    first = actions.add_comment(card=card, user=alice, body="no names here")
    second = actions.add_comment(card=card, user=alice, body="nor here")
    seen_at = timezone.now() - timedelta(hours=1)
    created_at = timezone.now() - timedelta(days=2)
    try:
        old = migrate(BEFORE)
        CommentMention = old.get_model("boards", "CommentMention")
        for comment, person, seen in (
            (first, bob, None),
            (first, vera, seen_at),
            (second, bob, None),
        ):
            row = CommentMention.objects.create(
                comment_id=comment.pk, user_id=person.pk, seen_at=seen
            )
            CommentMention.objects.filter(pk=row.pk).update(created_at=created_at)

        migrate(AFTER)
        moved = Mention.objects.order_by("comment_id", "user_id")
        assert [(m.comment_id, m.user_id, m.message_id) for m in moved] == [
            (first.pk, bob.pk, None), (first.pk, vera.pk, None), (second.pk, bob.pk, None),
        ]  # fmt: skip
        assert [m.seen_at for m in moved] == [None, seen_at, None]
        assert {m.created_at for m in moved} == {created_at}
        assert not Notification.objects.exists()  # old mentions are not emailed now
        assert "boards_commentmention" not in connection.introspection.table_names()

        old = migrate(BEFORE)
        back = old.get_model("boards", "CommentMention").objects.order_by("comment_id", "user_id")
        assert [(m.comment_id, m.user_id, m.seen_at) for m in back] == [
            (first.pk, bob.pk, None), (first.pk, vera.pk, seen_at), (second.pk, bob.pk, None),
        ]  # fmt: skip
        assert {m.created_at for m in back} == {created_at}
    finally:
        migrate_to_latest()
