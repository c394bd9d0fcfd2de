"""The directory over VXP: reading it, and a connected system asking to add an agency (it waits
for the operator) or to close one it acts for (its history stays)."""

from __future__ import annotations

from typing import Any

from lienthong.hub.audit.models import AuditEntry
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.models import Agency

from ..conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN
from .conftest import Parties

NEW_UNIT = "000.01.00.H41"  # a department under Nghệ An


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert (answer["status"], answer["ErrorCode"]) == ("OK", "0"), answer
    return answer


def _codes(answer: dict[str, Any]) -> list[str]:
    return [entry["code"] for entry in _ok(answer)["data"]]


def test_the_agencies_list_has_every_active_agency(parties: Parties) -> None:
    registry.set_agency_status(HUE, Agency.Status.SUSPENDED)
    data = _ok(parties.sender.sdk().agencies())["data"]
    assert [e["code"] for e in data] == [GOV_OFFICE, HA_NOI, NGHE_AN]
    assert set(data[0]) == {"id", "code", "name", "mail", "pid", "oldCode"}
    assert data[0]["name"] == "Văn phòng Chính phủ"


def test_the_decision_20_list_filters_by_level_and_gives_both_codes(parties: Parties) -> None:
    registry.add_agency(NEW_UNIT, "Sở Nội vụ tỉnh Nghệ An", code_d20="H41.01")
    sdk = parties.sender.sdk()
    level_3 = _ok(sdk.agencies_qd20("3"))["data"]
    assert [(e["code"], e["code102"]) for e in level_3] == [("H41.01", NEW_UNIT)]
    assert set(level_3[0]) == {"id", "code", "name", "mail", "code102"}
    assert NEW_UNIT not in [e["code102"] for e in _ok(sdk.agencies_qd20("1"))["data"]]
    assert sdk.agencies_qd20("cao")["ErrorCode"] == "107"


def test_synchronisation_marks_closed_agencies_deleted(parties: Parties) -> None:
    registry.change_agency_status(HUE, "close")
    data = {e["code"]: e for e in _ok(parties.sender.sdk().synchronize_units())["data"]}
    assert (data[HUE]["deleted"], data[NGHE_AN]["deleted"]) == (True, False)
    assert set(data[HUE]) == {
        "id",
        "code",
        "name",
        "mail",
        "pid",
        "version",
        "centerCode",
        "deleted",
        "modifyDate",
        "isAgency",
    }


def test_a_registered_agency_waits_for_the_operator(parties: Parties) -> None:
    sdk = parties.receiver.sdk()
    unit = {
        "id": 7,
        "pcode": NGHE_AN,
        "code": NEW_UNIT,
        "name": "Sở Nội vụ tỉnh Nghệ An",
        "mail": "snv@nghean.gov.vn",
        "mobile": "0238000000",
        "fax": "",
    }
    _ok(sdk.register_agency(unit))

    agency = Agency.objects.get(code=NEW_UNIT)
    assert (agency.status, agency.parent.code if agency.parent else None) == ("pending", NGHE_AN)
    assert agency.email == "snv@nghean.gov.vn"
    assert NEW_UNIT not in _codes(sdk.agencies())
    assert NEW_UNIT not in _codes(sdk.synchronize_units())
    assert AuditEntry.objects.filter(actor="system:tinh", subject=NEW_UNIT).exists()

    registry.change_agency_status(NEW_UNIT, "approve")
    assert NEW_UNIT in _codes(sdk.agencies())


def test_registering_twice_or_badly_is_refused(parties: Parties) -> None:
    sdk = parties.receiver.sdk()
    assert sdk.register_agency({"code": NGHE_AN, "name": "x"})["ErrorCode"] == "401"
    assert sdk.register_agency({"code": "H41", "name": "x"})["ErrorCode"] == "208"
    assert sdk.register_agency({"code": NEW_UNIT})["ErrorCode"] == "107"
    assert sdk.register_agency({"code": NEW_UNIT, "name": "x", "mail": "@"})["ErrorCode"] == "107"
    orphan = {"code": NEW_UNIT, "name": "x", "pcode": "000.00.00.H99"}
    assert sdk.register_agency(orphan)["ErrorCode"] == "300"
    assert sdk.call("registerAgency", body=b"[1, 2]")["ErrorCode"] == "107"
    assert sdk.call("registerAgency", body=b"\xff")["ErrorCode"] == "107"
    assert not Agency.objects.filter(code=NEW_UNIT).exists()


def test_a_system_closes_an_agency_it_acts_for_and_its_history_stays(parties: Parties) -> None:
    _ok(parties.receiver.sdk().delete_agency(HA_NOI))
    agency = Agency.objects.get(code=HA_NOI)
    assert agency.status == "closed"
    assert HA_NOI not in _codes(parties.sender.sdk().agencies())
    assert AuditEntry.objects.filter(actor="system:tinh", subject=HA_NOI).exists()
    _ok(parties.receiver.sdk().delete_agency(HA_NOI))  # closed already: nothing changes


def test_a_system_cannot_close_an_agency_it_does_not_act_for(parties: Parties) -> None:
    sdk = parties.outsider.sdk()
    assert sdk.delete_agency(NGHE_AN)["ErrorCode"] == "403"
    assert sdk.delete_agency("000.00.00.H99")["ErrorCode"] == "403"
    assert Agency.objects.get(code=NGHE_AN).status == "active"
