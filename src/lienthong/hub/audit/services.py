"""Append to the audit log and check it: a hash chain anyone can recompute.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical JSON of its own
fields, so an edited, removed, inserted or reordered entry breaks every hash after it.
Appending takes a short lock (PostgreSQL advisory lock; SQLite serialises writers already), so
the chain follows commit order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from django.db import connection
from django.utils import timezone

from lienthong.hub.exchange.receipts import HubIdentity, verify_receipt

from .models import AuditCheckpoint, AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x6C69656E  # "lien": one advisory lock for the chain's tip


def _entry_hash(
    previous: str, at: dt.datetime, actor: str, action: str, subject: str, data: Any
) -> str:
    body = json.dumps(
        {"at": at.isoformat(), "actor": actor, "action": action, "subject": subject, "data": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(previous.encode() + body.encode()).hexdigest()


def append(actor: str, action: str, subject: str, data: dict[str, Any] | None = None) -> AuditEntry:
    """Add one entry; call inside the transaction that makes the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit entries are appended inside the transaction of their change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    tip = AuditEntry.objects.order_by("-seq").values_list("hash", flat=True).first()
    previous = tip or GENESIS
    at = timezone.now()
    payload = data or {}
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=payload,
        previous_hash=previous,
        hash=_entry_hash(previous, at, actor, action, subject, payload),
    )
    entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoints: int = 0


def checkpoint(identity: HubIdentity) -> AuditCheckpoint | None:
    """Sign the chain's current tip (the worker does it periodically); None if nothing is new."""
    tip = AuditEntry.objects.order_by("-seq").first()
    if tip is None or AuditCheckpoint.objects.filter(seq=tip.seq).exists():
        return None
    at = timezone.now()
    signed = identity.sign({"seq": tip.seq, "hash": tip.hash, "at": at.isoformat()})
    return AuditCheckpoint.objects.create(
        seq=tip.seq, hash=tip.hash, at=at, signature=json.dumps(signed, ensure_ascii=False)
    )


def verify_chain(
    entries: Iterator[AuditEntry] | None = None, *, certificate: x509.Certificate | None = None
) -> ChainReport:
    """Recompute the chain from the start; report the first entry that does not fit.

    With the hub's ``certificate``, every signed checkpoint must also match the chain: a chain
    rewritten from some entry on (hashes recomputed) or cut short is caught by them.
    """
    marks = {c.seq: c for c in AuditCheckpoint.objects.all()} if entries is None else {}
    checked = 0
    previous = GENESIS
    count = 0
    source = entries if entries is not None else AuditEntry.objects.order_by("seq").iterator()
    for entry in source:
        count += 1
        if entry.previous_hash != previous:
            return ChainReport(count, False, entry.seq, "an entry before it was removed or changed")
        expected = _entry_hash(
            previous, entry.at, entry.actor, entry.action, entry.subject, entry.data
        )
        if entry.hash != expected:
            return ChainReport(
                count, False, entry.seq, "the entry was changed after it was written"
            )
        mark = marks.pop(entry.seq, None)
        if mark is not None and certificate is not None:
            if not _checkpoint_holds(mark, entry, certificate):
                return ChainReport(
                    count, False, entry.seq, "the chain no longer matches a signed checkpoint"
                )
            checked += 1
        previous = entry.hash
    if marks and certificate is not None:
        return ChainReport(
            count, False, min(marks), "entries covered by a signed checkpoint are gone"
        )
    return ChainReport(count, True, checkpoints=checked)


def _checkpoint_holds(
    mark: AuditCheckpoint, entry: AuditEntry, certificate: x509.Certificate
) -> bool:
    try:
        signed = json.loads(mark.signature)
    except ValueError:
        return False
    data = signed.get("data", {}) if isinstance(signed, dict) else {}
    return (
        verify_receipt(signed, certificate)
        and data.get("seq") == entry.seq
        and data.get("hash") == entry.hash == mark.hash
    )


__all__ = ["ChainReport", "append", "checkpoint", "verify_chain"]
