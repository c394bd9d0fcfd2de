"""The audit log: a hash chain with signed checkpoints catches edits, removals and rewrites."""

from __future__ import annotations

from typing import Any

from lienthong.hub.audit.models import AuditEntry
from lienthong.hub.audit.services import _entry_hash, checkpoint, verify_chain
from lienthong.hub.exchange.receipts import hub_identity
from lienthong.hub.registry import services as registry


def _identity(settings: Any) -> Any:
    return hub_identity(settings.LIENTHONG.data_dir / "hub")


def _three_entries() -> None:
    for code in ("000.00.00.H41", "000.00.00.H42", "000.00.00.H43"):
        registry.add_agency(code, f"UBND {code}")


def test_an_untouched_chain_verifies(db: None) -> None:
    _three_entries()
    report = verify_chain()
    assert (report.ok, report.entries) == (True, 3)


def test_an_edited_entry_is_found(db: None) -> None:
    _three_entries()
    second = AuditEntry.objects.order_by("seq")[1]
    AuditEntry.objects.filter(pk=second.pk).update(subject="000.00.00.H99")
    report = verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, second.seq)


def test_a_removed_entry_is_found(db: None) -> None:
    _three_entries()
    AuditEntry.objects.order_by("seq")[1].delete()
    assert verify_chain().ok is False


def test_a_rewritten_chain_is_caught_by_a_signed_checkpoint(db: None, settings: Any) -> None:
    _three_entries()
    assert checkpoint(_identity(settings)) is not None
    # Someone with database access edits an entry and recomputes every hash after it.
    entries = list(AuditEntry.objects.order_by("seq"))
    previous = entries[0].hash
    for entry in entries[1:]:
        subject = "000.00.00.H99" if entry is entries[1] else entry.subject
        digest = _entry_hash(previous, entry.at, entry.actor, entry.action, subject, entry.data)
        AuditEntry.objects.filter(pk=entry.pk).update(
            subject=subject, previous_hash=previous, hash=digest
        )
        previous = digest
    assert verify_chain().ok  # the bare chain is consistent again…
    report = verify_chain(certificate=_identity(settings).certificate)
    assert report.ok is False  # …but not with the hub's signed checkpoint
    assert "checkpoint" in (report.problem or "")


def test_a_cut_tail_is_caught_by_a_signed_checkpoint(db: None, settings: Any) -> None:
    _three_entries()
    checkpoint(_identity(settings))
    AuditEntry.objects.order_by("-seq").first().delete()  # type: ignore[union-attr]
    report = verify_chain(certificate=_identity(settings).certificate)
    assert report.ok is False


def test_checkpoints_verify_with_the_hub_certificate(db: None, settings: Any) -> None:
    _three_entries()
    checkpoint(_identity(settings))
    registry.add_agency("000.00.00.H44", "UBND H44")
    checkpoint(_identity(settings))
    assert checkpoint(_identity(settings)) is None  # nothing new since
    report = verify_chain(certificate=_identity(settings).certificate)
    assert (report.ok, report.checkpoints) == (True, 2)
