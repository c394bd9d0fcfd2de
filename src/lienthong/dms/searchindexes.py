"""What the search needs of the database, made by the migrations: trigram indexes
(PostgreSQL's pg_trgm) for its ``LIKE '%term%'`` (SQLite has no such index and reads the rows
instead), and the search text of documents stored before a migration."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import StateApps


def trigram_index(name: str, table: str, column: str) -> migrations.RunPython:
    """A migration operation adding the index ``name`` on ``table.column`` on PostgreSQL.

    New rows wait in the index's pending list until it is merged; a small list (256 kB, not
    4 MB) keeps the searches that must read it fast, for about 0.2 ms more per insert."""

    def add(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ({column} gin_trgm_ops) WITH (gin_pending_list_limit = 256)"
        )

    def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(add, drop, elidable=False)


def text_rows(app: str, documents: str, texts: str) -> migrations.RunPython:
    """A migration operation giving every document of ``app`` stored before it a row in the
    ``texts`` model: its metadata (``search_text``); its files' text is not read again here."""

    def add(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        document_model = apps.get_model(app, documents)
        text_model = apps.get_model(app, texts)
        rows = document_model.objects.values_list("pk", "search_text").iterator()
        batch = []
        for pk, search_text in rows:
            batch.append(text_model(document_id=pk, content=f"{search_text}\n"))
            if len(batch) == 1000:
                text_model.objects.bulk_create(batch)
                batch = []
        text_model.objects.bulk_create(batch)

    return migrations.RunPython(add, migrations.RunPython.noop)


def text_table(app: str, documents: str, texts: str) -> list[Operation]:
    """The operations making ``app``'s ``texts`` table: one row per document (its primary key
    is the document's), its search text and its files' text, filled for the documents already
    there, with a trigram index on PostgreSQL."""
    table = f"{app}_{texts.lower()}"
    return [
        migrations.CreateModel(
            name=texts,
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="text",
                        serialize=False,
                        to=f"{app}.{documents.lower()}",
                    ),
                ),
                ("content", models.TextField()),
            ],
        ),
        text_rows(app, documents, texts),
        trigram_index(f"{app}_text_trgm", table, "content"),
    ]
