"""Numbering: one function takes the next number of a register's yearly series.

Decree 30: numbers start at 01 on 1 January, are unique within the year, and a register has no
gap. :func:`take_number` must run inside the transaction that stores the numbered document: if
that transaction rolls back, the number was never taken. Concurrency:

* PostgreSQL: the counter row is locked (``SELECT … FOR UPDATE``) until the transaction ends,
  so a second clerk numbering in the same register waits, then reads the first one's number.
* SQLite: the dms opens every transaction with ``BEGIN IMMEDIATE`` (settings), which takes the
  database's write lock before the counter is read: writers are serialised the same way.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext as _

from lienthong.dms.agencies.models import Agency
from lienthong.dms.errors import NotFound

from .models import Counter, Register

DEFAULT_NAMES = {
    Register.Kind.INCOMING: "Sổ văn bản đến",
    Register.Kind.OUTGOING: "Sổ văn bản đi",
}


def create_default_registers(agency: Agency) -> None:
    for kind, name in DEFAULT_NAMES.items():
        Register.objects.get_or_create(
            agency=agency, kind=kind, name=name, defaults={"is_default": True}
        )


def default_register(agency: Agency, kind: str) -> Register:
    register = (
        Register.objects.filter(agency=agency, kind=kind).order_by("-is_default", "id").first()
    )
    if register is None:
        missing = (
            _("%(agency)s has no incoming register")
            if kind == Register.Kind.INCOMING
            else _("%(agency)s has no outgoing register")
        )
        raise NotFound(missing % {"agency": agency.code})
    return register


def take_number(register: Register, year: int) -> int:
    """The next number of ``register`` in ``year``: no gap, no duplicate, even concurrently."""
    if not connection.in_atomic_block:
        raise RuntimeError("take_number must run inside the transaction that uses the number")
    Counter.objects.bulk_create(
        [Counter(register=register, year=year, last=0)], ignore_conflicts=True
    )
    counter = Counter.objects.select_for_update().get(register=register, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_number(number: int) -> str:
    """``5`` → ``05``: numbers below 10 are written with a leading zero (Decree 30)."""
    return f"{number:02d}"


# Abbreviations of document types in a notation (Decree 30, Appendix III). A công văn has none.
TYPE_ABBREVIATIONS = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Công văn": "",
}


def notation(type_name: str, agency_notation: str, unit_notation: str = "") -> str:
    """The part after the slash: ``QĐ-UBND`` (type, agency), ``UBND-VP`` (a công văn: agency,
    drafting unit). Groups are joined by ``-``; empty groups are left out."""
    parts = [TYPE_ABBREVIATIONS.get(type_name, ""), agency_notation, unit_notation]
    return "-".join(p for p in parts if p)


def current_year(moment: dt.datetime | None = None) -> int:
    from django.utils import timezone

    return timezone.localtime(moment).year if moment else timezone.localdate().year
