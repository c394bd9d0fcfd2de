"""On PostgreSQL, a trigram index (pg_trgm) on ``search_text``, as for incoming documents
(incoming migration 0003): the search's ``LIKE '%term%'`` without reading the whole table."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TRIGRAM = "outgoing_search_trgm"


def add_trigram_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON outgoing_outgoingdocument "
        "USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 256)"
    )


def drop_trigram_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")


class Migration(migrations.Migration):
    dependencies = [
        ("outgoing", "0002_replacement"),
    ]

    operations = [
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
