"""Indexes for an agency with 100,000s of incoming documents (issue 5, docs/benchmarks.md).

* the list's order within one agency, and within one state (its filters): a page, deep ones
  included, is read off an index instead of sorting the agency's documents;
* on PostgreSQL, a trigram index (pg_trgm) on ``search_text``: the search's ``LIKE '%term%'``
  finds rare words and numbers without reading the whole table (lienthong/dms/trigram.py).
  SQLite has no such index and scans (about 100-150 ms for 100,000 documents).
"""

from django.db import migrations, models

from lienthong.dms.searchindexes import trigram_index


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
        trigram_index("incoming_search_trgm", "incoming_incomingdocument", "search_text"),
    ]
