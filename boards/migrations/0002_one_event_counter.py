import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Boards number their changes with the same name rooms use: events."""

    dependencies = [("accounts", "0001_initial"), ("boards", "0001_initial")]

    operations = [
        migrations.RenameField("board", "last_seq", "last_event"),
        migrations.RenameField("card", "changed_seq", "event"),
        migrations.RemoveIndex("activity", name="boards_acti_board_i_9bf1bf_idx"),
        migrations.RenameField("activity", "seq", "event"),
        migrations.AlterModelOptions("activity", options={"ordering": ["-event"]}),
        migrations.AddIndex(
            "activity",
            models.Index(fields=["board", "event"], name="boards_acti_board_i_59f017_idx"),
        ),
        migrations.AlterField("board", "is_private", models.BooleanField(default=False)),
        migrations.AlterField(
            "board",
            "team",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="accounts.team",
            ),
        ),
    ]
