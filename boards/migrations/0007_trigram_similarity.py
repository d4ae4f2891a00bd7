"""PostgreSQL's pg_trgm, for the title likeness of "Already solved?" (boards.queries.similar_solved).
A trusted extension: a database owner may create it. Nothing on SQLite."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("boards", "0006_card_search_index")]

    operations = [TrigramExtension()]
