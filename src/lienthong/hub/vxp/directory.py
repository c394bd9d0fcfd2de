"""The VXP verbs of the directory: reading it, and a connected system asking to add or close an
agency — through the registry's services, so the operator's rules and audit apply."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from lienthong.hub.errors import NotFound
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.models import Agency

from . import errors
from .auth import Call


def agencies_list(call: Call) -> dict[str, Any]:
    """The active agencies (the ones a document can go to)."""
    return {
        "data": [
            {
                "id": a.pk,
                "code": a.code,
                "name": a.name,
                "mail": a.email,
                "pid": a.parent_id,
                "oldCode": "",
            }
            for a in registry.list_agencies(status=Agency.Status.ACTIVE)
        ]
    }


def agencies_list_qd20(call: Call) -> dict[str, Any]:
    """Active agencies, of one ``level`` if given: ``code`` is the Decision 20/2020 code when
    the registry knows one (else the QCVN 102 code), ``code102`` the QCVN 102 code."""
    level = _level(call.param("level"))
    return {
        "data": [
            {
                "id": a.pk,
                "code": a.code_d20 or a.code,
                "name": a.name,
                "mail": a.email,
                "code102": a.code,
            }
            for a in registry.list_agencies(status=Agency.Status.ACTIVE)
            if level is None or a.level == level
        ]
    }


def synchronize_unit(call: Call) -> dict[str, Any]:
    """Every agency on the network, closed ones marked ``deleted`` (pending ones are not on the
    network yet); ``version`` grows with each change."""
    return {
        "data": [
            {
                "id": a.pk,
                "code": a.code,
                "name": a.name,
                "mail": a.email,
                "pid": a.parent_id,
                "version": int(a.updated_at.timestamp() * 1000),
                "centerCode": "",
                "deleted": a.status == Agency.Status.CLOSED,
                "modifyDate": a.updated_at.isoformat(timespec="milliseconds"),
                "isAgency": a.kind != Agency.Kind.ENTERPRISE,
            }
            for a in registry.list_agencies()
            if a.status != Agency.Status.PENDING
        ]
    }


def register_agency(call: Call) -> dict[str, Any]:
    """Body JSON ``{id, pcode, code, name, mail, mobile, fax}``: the agency is added ``pending``
    until an operator approves it; the system does not act for it until the operator says so."""
    body = _json_object(call.request.body)
    code, name = _text(body, "code"), _text(body, "name")
    if not code or not name:
        raise errors.VxpRefusal(errors.REQUEST_INVALID, "code and name are needed")
    mail = _text(body, "mail")
    if mail:
        try:
            validate_email(mail)
        except ValidationError:
            raise errors.VxpRefusal(errors.REQUEST_INVALID, f"{mail!r} is not an e-mail") from None
    actor = f"system:{call.system.name}"
    with transaction.atomic():
        agency = registry.add_agency(
            code, name, parent=_text(body, "pcode") or None, email=mail, actor=actor
        )
        if agency.status != Agency.Status.PENDING:
            agency = registry.set_agency_status(agency.code, Agency.Status.PENDING, actor=actor)
    return {}


def delete_agency(call: Call) -> dict[str, Any]:
    """``AgencyCode``: closes an agency the system acts for (its history stays)."""
    code = call.required("AgencyCode")
    try:
        agency = registry.agency_by_code(code)
    except NotFound:
        agency = None
    if agency is None or not call.system.acts_for(agency):
        raise errors.VxpRefusal(errors.AGENCY_NOT_HELD, f"{code} is not one of this system's")
    registry.change_agency_status(agency.code, "close", actor=f"system:{call.system.name}")
    return {}


def _level(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise errors.VxpRefusal(errors.REQUEST_INVALID, f"level {text!r} is not a number") from None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.VxpRefusal(errors.REQUEST_INVALID, "the body is not JSON") from None
    if not isinstance(document, dict):
        raise errors.VxpRefusal(errors.REQUEST_INVALID, "the body is not a JSON object")
    return document


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise errors.VxpRefusal(errors.REQUEST_INVALID, f"{key} is not a string")
    return str(value).strip()
