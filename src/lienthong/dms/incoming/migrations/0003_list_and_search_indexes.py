"""Indexes for an agency with 100,000s of incoming documents (issue 5, docs/benchmarks.md).

* the list's order within one agency, and within one state (its filters): a page, deep ones
  included, is read off an index instead of sorting the agency's documents;
* on PostgreSQL, a trigram index (pg_trgm) on ``search_text``: the search's ``LIKE '%term%'``
  finds rare words and numbers without reading the whole table. New rows wait in the index's
  pending list until it is merged; a small list (256 kB, not 4 MB) keeps the searches that
  must read it fast, for about 0.2 ms more per insert. SQLite has no such index and scans
  (about 100-150 ms for 100,000 documents).
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TRIGRAM = "incoming_search_trgm"


def add_trigram_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON incoming_incomingdocument "
        "USING gin (search_text gin_trgm_ops) WITH (gin_pending_list_limit = 256)"
    )


def drop_trigram_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")


class Migration(migrations.Migration):
    dependencies = [
        ("incoming", "0002_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="incomingdocument",
            name="incoming_in_agency__5c6b6e_idx",
        ),
        migrations.AddIndex(
            model_name="incomingdocument",
            index=models.Index(
                fields=["agency", "-arrived_at", "-id"], name="incoming_agency_arrived"
            ),
        ),
        migrations.AddIndex(
            model_name="incomingdocument",
            index=models.Index(
                fields=["agency", "state", "-arrived_at", "-id"], name="incoming_agency_state"
            ),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
