"""Search over incoming and outgoing documents of one agency, insensitive to diacritics."""

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
