"""The text of a document's draft, in a table of its own, for the search in the documents'
text (lienthong/dms/searchindexes.py)."""

from django.db import migrations

from lienthong.dms.searchindexes import text_table


class Migration(migrations.Migration):
    dependencies = [
        ("outgoing", "0005_update"),
    ]

    operations = text_table("outgoing", "OutgoingDocument", "OutgoingText")
