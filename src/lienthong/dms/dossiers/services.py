"""Dossiers: create, add documents (shared, never copied), close."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import Action, agency_id_of, require, require_same_agency
from lienthong.dms.errors import InvalidInput, WrongState
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument

from .models import Dossier


def create_dossier(user: User, *, title: str, file_notation: str, year: int) -> Dossier:
    require(user, Action.DOSSIERS)
    if not title.strip() or not file_notation.strip():
        raise InvalidInput("a dossier needs a title and a notation")
    try:
        with transaction.atomic():
            return Dossier.objects.create(
                agency_id=agency_id_of(user),
                title=title.strip(),
                file_notation=file_notation.strip(),
                year=year,
            )
    except IntegrityError:
        raise InvalidInput(f"a dossier {file_notation} exists already for {year}") from None


def add_document(
    dossier: Dossier, user: User, document: IncomingDocument | OutgoingDocument
) -> None:
    require(user, Action.DOSSIERS)
    require_same_agency(user, dossier.agency_id)
    require_same_agency(user, document.agency_id)
    if dossier.state == Dossier.State.CLOSED:
        raise WrongState("the dossier is closed")
    if isinstance(document, IncomingDocument):
        dossier.incoming.add(document)
    else:
        dossier.outgoing.add(document)


def close_dossier(dossier: Dossier, user: User) -> Dossier:
    require(user, Action.DOSSIERS)
    require_same_agency(user, dossier.agency_id)
    if dossier.state == Dossier.State.CLOSED:
        raise WrongState("the dossier is closed already")
    dossier.state = Dossier.State.CLOSED
    dossier.closed_at = timezone.now()
    dossier.save(update_fields=["state", "closed_at"])
    return dossier
