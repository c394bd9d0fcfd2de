"""The text of a document's PDF files, in a table of its own, for the search in the documents'
text (lienthong/dms/searchindexes.py)."""

from django.db import migrations

from lienthong.dms.searchindexes import text_table


class Migration(migrations.Migration):
    dependencies = [
        ("incoming", "0003_list_and_search_indexes"),
    ]

    operations = text_table("incoming", "IncomingDocument", "IncomingText")
