"""Comments can be edited and deleted; their mentions now live in chat.Mention (chat 0013
moved the rows), so CommentMention goes (decision 022)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("boards", "0008_card_source"),
        ("chat", "0013_mentions_of_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="comment",
            name="edited_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.DeleteModel(
            name="CommentMention",
        ),
    ]
