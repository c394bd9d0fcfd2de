"""The preservation metadata of a package: PREMIS 3 objects (each document, with its fixity)
and events (the package's creation, and whatever the caller records: each signature validation,
the transfer, every fixity check), in ``metadata/preservation/premis.xml``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from .xmlio import PREMIS, XSI, q, to_bytes


@dataclass(frozen=True)
class StoredFile:
    """A file of the package as PREMIS names it: its path in the package is its identifier."""

    path: str
    original_name: str
    size: int
    sha256: str
    mimetype: str


@dataclass(frozen=True)
class PreservationEvent:
    """Something done to the package or some of its files (PREMIS event types: ``creation``,
    ``validation`` for a signature, ``transfer``, ``fixity check`` …). ``objects`` are package
    paths; empty means the package as a whole."""

    type: str
    at: dt.datetime
    outcome: str  # "success", "failure", "warning"
    detail: str = ""
    outcome_detail: str = ""
    objects: tuple[str, ...] = field(default=())
    identifier: str = ""  # made from the event's position when empty


@dataclass(frozen=True)
class Software:
    name: str
    version: str


def premis_xml(
    package_id: str,
    files: Sequence[StoredFile],
    events: Sequence[PreservationEvent],
    software: Software,
) -> bytes:
    root = etree.Element(
        q(PREMIS, "premis"), {"version": "3.0"}, nsmap={"premis": PREMIS, "xsi": XSI}
    )
    for f in files:
        obj = _sub(root, "object", **{q(XSI, "type"): "premis:file"})
        _identifier(obj, "objectIdentifier", "objectIdentifier", "local", f.path)
        characteristics = _sub(obj, "objectCharacteristics")
        _sub(characteristics, "compositionLevel", "0")
        fixity = _sub(characteristics, "fixity")
        _sub(fixity, "messageDigestAlgorithm", "SHA-256")
        _sub(fixity, "messageDigest", f.sha256)
        _sub(characteristics, "size", str(f.size))
        _sub(_sub(_sub(characteristics, "format"), "formatDesignation"), "formatName", f.mimetype)
        _sub(obj, "originalName", f.original_name)
    agent_id = f"{software.name} {software.version}"
    for position, event in enumerate(events, start=1):
        ev = _sub(root, "event")
        identifier = event.identifier or f"{package_id}-event-{position:04d}"
        _identifier(ev, "eventIdentifier", "eventIdentifier", "local", identifier)
        _sub(ev, "eventType", event.type)
        _sub(ev, "eventDateTime", event.at.isoformat())
        if event.detail:
            _sub(_sub(ev, "eventDetailInformation"), "eventDetail", event.detail)
        outcome = _sub(ev, "eventOutcomeInformation")
        _sub(outcome, "eventOutcome", event.outcome)
        if event.outcome_detail:
            note = _sub(outcome, "eventOutcomeDetail")
            _sub(note, "eventOutcomeDetailNote", event.outcome_detail)
        _identifier(ev, "linkingAgentIdentifier", "linkingAgentIdentifier", "local", agent_id)
        for path in event.objects or (package_id,):
            _identifier(ev, "linkingObjectIdentifier", "linkingObjectIdentifier", "local", path)
    agent = _sub(root, "agent")
    _identifier(agent, "agentIdentifier", "agentIdentifier", "local", agent_id)
    _sub(agent, "agentName", software.name)
    _sub(agent, "agentType", "software")
    _sub(agent, "agentVersion", software.version)
    return to_bytes(root)


def _identifier(parent: etree._Element, element: str, prefix: str, kind: str, value: str) -> None:
    ident = _sub(parent, element)
    _sub(ident, f"{prefix}Type", kind)
    _sub(ident, f"{prefix}Value", value)


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, q(PREMIS, name), attrs)
    if text is not None:
        el.text = text
    return el
