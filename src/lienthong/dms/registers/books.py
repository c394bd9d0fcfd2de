"""The books of an agency's year as tables (Decree 30, STANDARDS.md §4): the incoming register
(sổ đăng ký văn bản đến), the outgoing register (sổ đăng ký văn bản đi) and the follow-up book
(sổ theo dõi giải quyết văn bản đến).

One definition of each book's columns and cells serves the page, its print stylesheet and the
PDF export (:mod:`.pdf`), so the three cannot disagree. Cells are plain text. Every book is
read through one agency: a register is looked up within the user's agency before it gets here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.dms.agencies.models import Agency
from lienthong.dms.incoming.models import Assignment, IncomingDocument, IncomingState
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState

from .models import Register


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # share of the table's width, relative to the other columns


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    overdue: bool = False
    url: str = ""  # the document's page


@dataclass(frozen=True)
class Book:
    title: str  # ``SỔ ĐĂNG KÝ VĂN BẢN ĐẾN``
    agency: str
    year: int
    columns: tuple[Column, ...]
    rows: list[Row]


def day(moment: dt.date | dt.datetime | None) -> str:
    """``05/03/2026``: a date, or a time in the dms's time zone, as a Vietnamese date."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return moment.strftime("%d/%m/%Y")


def _main_handler(doc: IncomingDocument) -> str:
    return ", ".join(u.display_name for u in doc.handlers(Assignment.Role.MAIN))


def _transferred(doc: IncomingDocument) -> str:
    """When the document went to its handlers: the first assignment."""
    moments = [a.created_at for a in doc.assignments.all()]
    return day(min(moments)) if moments else ""


def _incoming_note(doc: IncomingDocument) -> str:
    return _("bị thu hồi") if doc.frozen else ""


def incoming_register(register: Register, year: int) -> Book:
    """Decree 30's incoming register: one row per number taken in ``year``, in number order."""
    columns = (
        Column(_("Ngày đến"), 7),
        Column(_("Số đến"), 5),
        Column(_("Tác giả"), 12),
        Column(_("Số, ký hiệu"), 9),
        Column(_("Ngày tháng"), 7),
        Column(_("Tên loại và trích yếu nội dung"), 26),
        Column(_("Đơn vị hoặc người nhận"), 11),
        Column(_("Ngày chuyển"), 7),
        Column(_("Ký nhận"), 6),
        Column(_("Ghi chú"), 8),
    )
    documents = (
        IncomingDocument.objects.filter(register=register, arrival_year=year)
        .order_by("arrival_number")
        .prefetch_related("assignments__user")
    )
    rows = [
        Row(
            (
                day(d.arrived_at),
                d.arrival_text,
                d.sender_name or d.sender_code,
                d.code_text,
                day(d.promulgation_date),
                f"{d.type_name} {d.subject}".strip(),
                _main_handler(d),
                _transferred(d),
                _("điện tử"),
                _incoming_note(d),
            ),
            overdue=d.is_overdue,
            url=reverse("ui:incoming-detail", args=[d.pk]),
        )
        for d in documents
    ]
    return Book(_("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"), register.agency.name, year, columns, rows)


def outgoing_register(register: Register, year: int) -> Book:
    """Decree 30's outgoing register: one row per number issued in ``year``, in number order."""
    columns = (
        Column(_("Số, ký hiệu"), 9),
        Column(_("Ngày tháng"), 7),
        Column(_("Tên loại và trích yếu nội dung"), 26),
        Column(_("Người ký"), 10),
        Column(_("Nơi nhận"), 16),
        Column(_("Đơn vị, người nhận bản lưu"), 9),
        Column(_("Số lượng bản"), 5),
        Column(_("Ngày chuyển"), 7),
        Column(_("Ký nhận"), 6),
        Column(_("Ghi chú"), 8),
    )
    documents = OutgoingDocument.objects.filter(register=register, year=year).order_by("number")
    rows = [
        Row(
            (
                d.code_text,
                day(d.issued_at),
                f"{d.type_name} {d.subject}".strip(),
                d.signer_name,
                "; ".join(r.get("name") or r["code"] for r in d.recipients),
                _("Văn thư"),
                str(len(d.recipients)),
                day(d.sent_at),
                _("điện tử"),
                _("đã thu hồi") if d.state == OutgoingState.REVOKED else "",
            ),
            url=reverse("ui:outgoing-detail", args=[d.pk]),
        )
        for d in documents
    ]
    return Book(_("SỔ ĐĂNG KÝ VĂN BẢN ĐI"), register.agency.name, year, columns, rows)


def register_book(register: Register, year: int) -> Book:
    if register.kind == Register.Kind.INCOMING:
        return incoming_register(register, year)
    return outgoing_register(register, year)


def _progress(doc: IncomingDocument, today: dt.date) -> str:
    if doc.state == IncomingState.COMPLETED:
        done = timezone.localtime(doc.completed_at).date() if doc.completed_at else None
        late = done is not None and doc.deadline is not None and done > doc.deadline
        if late:
            return _("Hoàn thành %(day)s, trễ hạn") % {"day": day(done)}
        return _("Hoàn thành %(day)s") % {"day": day(done)}
    if doc.is_overdue and doc.deadline is not None:
        return _("Quá hạn %(days)d ngày") % {"days": (today - doc.deadline).days}
    return str(doc.get_state_display())


def follow_up_book(agency: Agency, year: int) -> Book:
    """The follow-up book: every incoming document registered in ``year`` (all registers of
    the agency), with its handler, deadline, progress and the number of the reply."""
    columns = (
        Column(_("Số đến"), 5),
        Column(_("Ngày đến"), 7),
        Column(_("Tác giả, số, ký hiệu, ngày tháng, trích yếu"), 30),
        Column(_("Người giải quyết"), 12),
        Column(_("Thời hạn giải quyết"), 8),
        Column(_("Tiến độ giải quyết"), 14),
        Column(_("Số, ký hiệu văn bản trả lời"), 10),
        Column(_("Ghi chú"), 8),
    )
    documents = (
        IncomingDocument.objects.filter(agency=agency, arrival_year=year)
        .exclude(arrival_number=None)
        .select_related("answered_by", "register")
        .prefetch_related("assignments__user")
        .order_by("register__name", "arrival_number")
    )
    today = timezone.localdate()
    rows = []
    for d in documents:
        about = ", ".join(
            p for p in (d.sender_name or d.sender_code, d.code_text, day(d.promulgation_date)) if p
        )
        rows.append(
            Row(
                (
                    d.arrival_text,
                    day(d.arrived_at),
                    f"{about}: {d.type_name} {d.subject}".strip(),
                    _main_handler(d),
                    day(d.deadline),
                    _progress(d, today),
                    d.answered_by.code_text if d.answered_by else "",
                    _incoming_note(d),
                ),
                overdue=d.is_overdue,
                url=reverse("ui:incoming-detail", args=[d.pk]),
            )
        )
    return Book(_("SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"), agency.name, year, columns, rows)
