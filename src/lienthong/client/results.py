"""What the hub answers, as typed values (the wire form stays available through ``as_dict``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["edoc", "status"]


@dataclass(frozen=True)
class Accepted:
    """A submission the hub holds durably. ``created`` is false when the same bytes had been
    accepted before: ``id`` and ``receipt`` are then the first ones."""

    id: str
    receipt: dict[str, Any]
    recipients: tuple[str, ...]
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recipients": list(self.recipients),
            "receipt": self.receipt,
            "created": self.created,
        }


@dataclass(frozen=True)
class InboxItem:
    """One delivery leased to the caller: fetch ``message_id``, then acknowledge
    ``delivery_id`` before ``lease_until``, or the delivery comes back."""

    delivery_id: str
    message_id: str
    kind: str
    from_: str
    to: str
    document_id: str
    subject: str
    size: int
    sha256: str
    lease_until: dt.datetime | None

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> InboxItem:
        lease_until = item.get("lease_until")
        return cls(
            delivery_id=str(item["delivery_id"]),
            message_id=str(item["message_id"]),
            kind=str(item["kind"]),
            from_=str(item["from"]),
            to=str(item["to"]),
            document_id=str(item.get("document_id") or ""),
            subject=str(item.get("subject") or ""),
            size=int(item.get("size") or 0),
            sha256=str(item.get("sha256") or ""),
            lease_until=dt.datetime.fromisoformat(lease_until) if lease_until else None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "message_id": self.message_id,
            "kind": self.kind,
            "from": self.from_,
            "to": self.to,
            "document_id": self.document_id,
            "subject": self.subject,
            "size": self.size,
            "sha256": self.sha256,
            "lease_until": self.lease_until.isoformat() if self.lease_until else None,
        }


@dataclass(frozen=True)
class Fetched:
    """A message written whole to ``path``, its SHA-256 checked against the hub's."""

    message_id: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class Acknowledged:
    delivery_id: str
    state: str


@dataclass(frozen=True)
class AgencyPage:
    """One page of the directory; pass ``next_since`` back to get the changes after it."""

    items: list[dict[str, Any]]
    next_since: str | None
