"""Search over incoming and outgoing documents of one agency, insensitive to diacritics.

Every term is a ``LIKE '%term%'`` on the stored, normalised ``search_text``. On PostgreSQL a
trigram index (pg_trgm, the 0003 migrations of incoming and outgoing) answers it for rare words
and numbers; common words are found by reading the agency's documents newest first until a page
is full. Measured with 100,000 documents in docs/benchmarks.md (``python -m benchmarks --only
dms``).

The text of the documents' PDF files is searched too when the user asks for it (``in_text``):
then every term is looked up in ``IncomingText``/``OutgoingText``, a table of its own that holds
the document's ``search_text`` and its files' text (:mod:`lienthong.dms.pdftext`), with a
trigram index on PostgreSQL. One column for both lets PostgreSQL combine the terms' index
lookups; SQLite reads the agency's documents newest first with their text beside them.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet

from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import agency_id_of
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument

from .textsearch import terms

D = TypeVar("D", IncomingDocument, OutgoingDocument)


def search_incoming(user: User, query: str, *, in_text: bool = False) -> QuerySet[IncomingDocument]:
    found = IncomingDocument.objects.filter(agency_id=agency_id_of(user))
    return _matching(found, query, in_text)


def search_outgoing(user: User, query: str, *, in_text: bool = False) -> QuerySet[OutgoingDocument]:
    found = OutgoingDocument.objects.filter(agency_id=agency_id_of(user))
    return _matching(found, query, in_text)


def _matching(found: QuerySet[D], query: str, in_text: bool) -> QuerySet[D]:
    """Every term in the metadata — or, ``in_text``, in the metadata and the files' text."""
    for term in terms(query):
        if in_text:
            found = found.filter(text__content__contains=term)
        else:
            found = found.filter(search_text__contains=term)
    return found
