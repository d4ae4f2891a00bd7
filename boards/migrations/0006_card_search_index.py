"""A GIN index for full-text search of cards, on PostgreSQL only (SQLite searches by LIKE). Its
expression is the one `boards.queries.search_cards` filters on, so the planner can use it."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS boards_card_fts ON boards_card USING GIN (("
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, "
    "COALESCE(problem, '') || ' ' || COALESCE(solution, '')), 'B')))"
)
DROP = "DROP INDEX IF EXISTS boards_card_fts"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("boards", "0005_card_comments")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
