"""Group direct conversations: `is_group` (opened for 3+ people) and the `title` they give it."""

from django.db import migrations, models


def mark_groups(apps, schema_editor) -> None:
    Room = apps.get_model("chat", "Room")
    groups = [
        room.pk
        for room in Room.objects.filter(kind="direct").only("pk", "member_key")
        if len((room.member_key or "").split(",")) > 2
    ]
    Room.objects.filter(pk__in=groups).update(is_group=True)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0013_mentions_of_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="is_group",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="room",
            name="title",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.RunPython(mark_groups, migrations.RunPython.noop),
    ]
