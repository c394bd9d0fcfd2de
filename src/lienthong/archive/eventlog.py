"""A stored package's preservation history after it was sealed: a PREMIS 3 document of events
(ingestion, every fixity check, every repair) kept beside the package in the store, appended to,
never rewritten from memory, so that each event keeps the agent that recorded it.

Each event is written by :func:`lienthong.archive.premis.premis_xml` — the same PREMIS the
package itself carries — and moved into the log with its agent when that agent is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from .premis import PreservationEvent, Software, premis_xml
from .xmlio import PREMIS, parse_xml, q, to_bytes

_EVENT: Final = q(PREMIS, "event")
_AGENT: Final = q(PREMIS, "agent")


def append_events(
    log: bytes | None,
    package_id: str,
    events: Sequence[PreservationEvent],
    software: Software,
) -> bytes:
    """``log`` (None: a new one) with ``events`` added after the events already there."""
    if not events:
        return log if log is not None else premis_xml(package_id, [], [], software)
    fresh = parse_xml(premis_xml(package_id, [], events, software)).getroot()
    if log is None:
        return to_bytes(fresh)
    root = parse_xml(log).getroot()
    known_agents = {_agent_id(agent) for agent in root.iter(_AGENT)}
    existing = list(root.iter(_EVENT))
    anchor = existing[-1] if existing else None
    for event in fresh.iter(_EVENT):
        _insert_event(root, anchor, event)
        anchor = event
    for agent in list(fresh.iter(_AGENT)):
        if _agent_id(agent) not in known_agents:
            root.append(agent)
    etree.indent(root, space="  ")
    return to_bytes(root)


def read_events(log: bytes) -> list[dict[str, str]]:
    """The events of a log as ``{"identifier", "type", "date", "outcome", "detail",
    "outcome_detail", "agent"}`` (the tests and reports read it this way)."""
    root = parse_xml(log).getroot()
    found = []
    for event in root.iter(_EVENT):
        found.append(
            {
                "identifier": _text(event, "eventIdentifier/premis:eventIdentifierValue"),
                "type": _text(event, "eventType"),
                "date": _text(event, "eventDateTime"),
                "outcome": _text(event, "eventOutcomeInformation/premis:eventOutcome"),
                "detail": _text(event, "eventDetailInformation/premis:eventDetail"),
                "outcome_detail": _text(
                    event,
                    "eventOutcomeInformation/premis:eventOutcomeDetail/"
                    "premis:eventOutcomeDetailNote",
                ),
                "agent": _text(event, "linkingAgentIdentifier/premis:linkingAgentIdentifierValue"),
            }
        )
    return found


def _insert_event(
    root: etree._Element, after: etree._Element | None, event: etree._Element
) -> None:
    # PREMIS orders a document's children: objects, events, agents, rights.
    if after is not None:
        after.addnext(event)
        return
    first_after = next((c for c in root if c.tag in (_AGENT, q(PREMIS, "rights"))), None)
    if first_after is not None:
        first_after.addprevious(event)
    else:
        root.append(event)


def _agent_id(agent: etree._Element) -> str:
    return _text(agent, "agentIdentifier/premis:agentIdentifierValue")


def _text(element: etree._Element, path: str) -> str:
    found = element.find("premis:" + path, {"premis": PREMIS})
    return (found.text or "") if found is not None else ""
