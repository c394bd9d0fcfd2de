"""On PostgreSQL, a trigram index (pg_trgm) on ``search_text``, as for incoming documents
(incoming migration 0003): the search's ``LIKE '%term%'`` without reading the whole table."""

from django.db import migrations

from lienthong.dms.searchindexes import trigram_index


class Migration(migrations.Migration):
    dependencies = [
        ("outgoing", "0002_replacement"),
    ]

    operations = [
        trigram_index("outgoing_search_trgm", "outgoing_outgoingdocument", "search_text"),
    ]
