"""A GIN index for full-text search of messages, on PostgreSQL only (SQLite searches by LIKE)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS chat_message_body_fts "
    "ON chat_message USING GIN (to_tsvector('english'::regconfig, COALESCE(body, '')))"
)
DROP = "DROP INDEX IF EXISTS chat_message_body_fts"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("chat", "0003_mentions")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
