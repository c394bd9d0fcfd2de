"""Search over incoming and outgoing documents of one agency, insensitive to diacritics.

Every term is a ``LIKE '%term%'`` on the stored, normalised ``search_text``. On PostgreSQL a
trigram index (pg_trgm, the 0003 migrations of incoming and outgoing) answers it for rare words
and numbers; common words are found by reading the agency's documents newest first until a page
is full. Measured with 100,000 documents in docs/benchmarks.md (``python -m benchmarks --only
dms``)."""

from __future__ import annotations

from django.db.models import QuerySet

from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import agency_id_of
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument

from .textsearch import terms


def search_incoming(user: User, query: str) -> QuerySet[IncomingDocument]:
    found = IncomingDocument.objects.filter(agency_id=agency_id_of(user))
    for term in terms(query):
        found = found.filter(search_text__contains=term)
    return found


def search_outgoing(user: User, query: str) -> QuerySet[OutgoingDocument]:
    found = OutgoingDocument.objects.filter(agency_id=agency_id_of(user))
    for term in terms(query):
        found = found.filter(search_text__contains=term)
    return found
