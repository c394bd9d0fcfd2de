"""Dossiers: one document in several without copies; a closed dossier takes no more."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.dms.dossiers import services
from lienthong.dms.errors import InvalidInput, NotAllowed, WrongState

from .support import arrive


def test_a_document_may_be_in_several_dossiers(offices: Any) -> None:
    office = offices.recipient
    doc = arrive(offices)
    first = services.create_dossier(
        office.specialist, title="Chuyển đổi số", file_notation="01.CDS", year=2026
    )
    second = services.create_dossier(
        office.specialist, title="Kế hoạch năm", file_notation="02.KH", year=2026
    )
    services.add_document(first, office.specialist, doc)
    services.add_document(second, office.specialist, doc)
    assert set(doc.dossiers.values_list("file_notation", flat=True)) == {"01.CDS", "02.KH"}
    assert first.file_code == f"{office.agency.code}.2026.01.CDS"


def test_a_closed_dossier_takes_no_more_documents(offices: Any) -> None:
    office = offices.recipient
    dossier = services.create_dossier(office.clerk, title="Hồ sơ", file_notation="03", year=2026)
    services.close_dossier(dossier, office.clerk)
    with pytest.raises(WrongState):
        services.add_document(dossier, office.clerk, arrive(offices))


def test_a_dossier_notation_is_unique_in_a_year(offices: Any) -> None:
    office = offices.recipient
    services.create_dossier(office.clerk, title="A", file_notation="04", year=2026)
    with pytest.raises(InvalidInput):
        services.create_dossier(office.clerk, title="B", file_notation="04", year=2026)


def test_another_agency_s_document_cannot_be_filed(offices: Any) -> None:
    dossier = services.create_dossier(
        offices.sender.clerk, title="A", file_notation="05", year=2026
    )
    with pytest.raises(NotAllowed):
        services.add_document(dossier, offices.sender.clerk, arrive(offices))
