"""One Mention (and Notification) for messages and card comments (decision 022): a nullable
`comment` beside `message`, exactly one of them set; every boards.CommentMention moves here
(boards 0009 then drops that table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _checks_now(schema_editor) -> None:
    """PostgreSQL defers foreign-key checks to the commit; the schema changes that share this
    migration's transaction cannot run with such checks pending, so they run at once."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def move_comment_mentions(apps, schema_editor) -> None:
    """Every card-comment mention becomes a Mention with its dates and seen mark. No
    Notification is made for them: they were never meant to be emailed when written."""
    _checks_now(schema_editor)
    CommentMention = apps.get_model("boards", "CommentMention")
    Mention = apps.get_model("chat", "Mention")
    rows = CommentMention.objects.order_by("pk").iterator(chunk_size=2000)
    batch = []
    for old in rows:
        batch.append(
            Mention(
                comment_id=old.comment_id,
                user_id=old.user_id,
                created_at=old.created_at,
                seen_at=old.seen_at,
            )
        )
        if len(batch) >= 2000:
            Mention.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Mention.objects.bulk_create(batch, ignore_conflicts=True)
    # auto_now_add overwrote created_at on create: put the original dates back.
    for old in CommentMention.objects.only("comment_id", "user_id", "created_at").iterator():
        Mention.objects.filter(comment_id=old.comment_id, user_id=old.user_id).update(
            created_at=old.created_at
        )


def move_them_back(apps, schema_editor) -> None:
    _checks_now(schema_editor)
    CommentMention = apps.get_model("boards", "CommentMention")
    Mention = apps.get_model("chat", "Mention")
    Notification = apps.get_model("chat", "Notification")
    of_comments = Mention.objects.filter(comment__isnull=False)
    CommentMention.objects.bulk_create(
        [
            CommentMention(comment_id=m.comment_id, user_id=m.user_id, seen_at=m.seen_at)
            for m in of_comments.iterator()
        ],
        ignore_conflicts=True,
    )
    for m in of_comments.iterator():
        CommentMention.objects.filter(comment_id=m.comment_id, user_id=m.user_id).update(
            created_at=m.created_at
        )
    of_comments.delete()
    Notification.objects.filter(comment__isnull=False).delete()


ONE_OF_THEM = models.Q(
    models.Q(("comment__isnull", True), ("message__isnull", False)),
    models.Q(("comment__isnull", False), ("message__isnull", True)),
    _connector="OR",
)


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0008_card_source"),
        ("chat", "0012_link_previews"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="mention",
            name="comment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mentions",
                to="boards.comment",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="comment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="boards.comment",
            ),
        ),
        migrations.AlterField(
            model_name="mention",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="mentions",
                to="chat.message",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="message",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="chat.message",
            ),
        ),
        migrations.AddConstraint(
            model_name="mention",
            constraint=models.UniqueConstraint(
                fields=("comment", "user"), name="one_mention_of_each_comment"
            ),
        ),
        migrations.AddConstraint(
            model_name="mention",
            constraint=models.CheckConstraint(
                condition=ONE_OF_THEM, name="mention_of_a_message_or_a_comment"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("user", "comment"), name="one_notification_per_comment"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=ONE_OF_THEM, name="notification_of_a_message_or_a_comment"
            ),
        ),
        migrations.RunPython(move_comment_mentions, move_them_back, elidable=False),
    ]
