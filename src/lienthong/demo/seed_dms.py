"""Host the demo's agencies on the dms and put a handful of documents in flight, through the
dms's own services (draft, approve and sign, issue and send, receive, register, refuse,
assign, process, complete, take back) against the running hub.

Run in a process of its own under the dms's settings, by :mod:`.run`:
``python -m lienthong.demo.seed_dms setup|documents STATE.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from . import network
from .pdf import one_page_pdf


def _setup_django(*, migrate: bool) -> None:
    from lienthong.dms import server

    server.setup_django()
    with server.environment_errors():
        if migrate:
            server.migrate()
        else:
            server.require_migrated()


def host_agencies(state: dict[str, Any]) -> None:
    """Each hosted agency with its signing key, and one user per role (leaders get their
    personal signing certificate). What exists is kept."""
    from lienthong.dms.agencies.models import User
    from lienthong.dms.agencies.services import agency_by_code, create_agency, create_user
    from lienthong.dms.errors import InvalidInput

    system = state["systems"][network.DMS_SYSTEM]
    for hosted in network.HOSTED:
        credential = state["credentials"][hosted.code]
        try:
            agency = agency_by_code(hosted.code)
        except InvalidInput:  # not hosted yet
            agency = create_agency(
                hosted.code,
                name=hosted.name,
                hub_url=state["hub_url"],
                client_id=system["client_id"],
                client_secret=system["client_secret"],
                notation=hosted.notation,
                signing_p12=Path(credential["p12"]),
                signing_p12_password=credential["p12_password"],
            )
        for login in hosted.logins:
            if User.objects.filter(username=login.username).exists():
                continue
            person = state["persons"].get(login.username)
            create_user(
                login.username,
                agency=agency,
                role=login.role,
                password=network.USER_PASSWORD,
                full_name=login.full_name,
                position=login.position,
                signing_p12=Path(person["p12"]) if person else None,
            )


class _Desk:
    """The users of one hosted agency, by role."""

    def __init__(self, hosted: network.HostedAgency, state: dict[str, Any]) -> None:
        from lienthong.dms.agencies.models import User
        from lienthong.dms.agencies.services import agency_by_code

        self.hosted = hosted
        self.agency = agency_by_code(hosted.code)
        users = {u.role: u for u in User.objects.filter(agency=self.agency)}
        self.clerk, self.leader = users["clerk"], users["leader"]
        self.head, self.specialist = users["head"], users["specialist"]
        self.p12_password = state["persons"][f"lanhdao.{hosted.short}"]["p12_password"]

    def draft(self, subject: str, type_name: str, to: list[_Desk], *, days: int = 0) -> Any:
        from lienthong.dms.outgoing import services as outgoing

        title = type_name.upper()
        return outgoing.create_draft(
            self.specialist,
            subject=subject,
            type_name=type_name,
            pdf_name=f"{type_name.lower().replace(' ', '-')}.pdf",
            pdf_data=one_page_pdf(self.hosted.name.upper(), "", title, subject),
            recipients=[{"code": d.hosted.code, "name": d.hosted.name} for d in to],
            signer_competence="KT. CHỦ TỊCH" if self.hosted.notation == "UBND" else "KT. GIÁM ĐỐC",
            signer_position=self.hosted.leader_title,
            signer_name=self.hosted.leader_name,
            due_date=dt.date.today() + dt.timedelta(days=days) if days else None,
        )

    def send(self, subject: str, type_name: str, to: list[_Desk], *, days: int = 0) -> Any:
        """Draft → approval → the leader's signature → number, agency signature, hub."""
        from lienthong.dms.outgoing import services as outgoing
        from lienthong.dms.outgoing.models import OutgoingState

        doc = outgoing.submit_for_approval(
            self.draft(subject, type_name, to, days=days), self.specialist
        )
        doc = outgoing.approve_and_sign(doc, self.leader, self.p12_password)
        doc = outgoing.issue(doc, self.clerk)
        doc.refresh_from_db()
        if doc.state != OutgoingState.SENT:
            raise SystemExit(f"dms seeding: {subject!r} was not sent: {doc.last_error}")
        return doc

    def received(self, sent: Any) -> Any:
        from lienthong.dms.incoming.models import IncomingDocument

        documents = IncomingDocument._default_manager  # the dms's models: see its mypy.ini
        return documents.get(agency=self.agency, document_id=sent.document_id)


def put_documents_in_flight(state: dict[str, Any]) -> list[dict[str, str]]:
    """The documents of the demo, each left in a different state; what was done, for the
    banner."""
    from lienthong.dms.incoming import services as incoming
    from lienthong.dms.incoming.receive import receive_from_hub
    from lienthong.dms.outgoing import services as outgoing

    province, home, finance = (_Desk(h, state) for h in network.HOSTED)
    everyone = [province.agency, home.agency, finance.agency]
    done: list[dict[str, str]] = []

    plan = province.send("Kế hoạch chuyển đổi số năm 2026 của tỉnh Nghệ An", "Kế hoạch", [home])
    budget = province.send(
        "Quyết định giao dự toán ngân sách nhà nước năm 2026", "Quyết định", [finance], days=10
    )
    report = home.send("Báo cáo tình hình tổ chức bộ máy quý IV năm 2026", "Báo cáo", [province])
    request = finance.send(
        "Công văn đề nghị bổ sung kinh phí mua sắm thiết bị", "Công văn", [province]
    )
    meeting = province.send(
        "Thông báo lịch họp giao ban tháng 12 năm 2026", "Thông báo", [home, finance]
    )
    mistaken = province.send(
        "Công văn về việc kiểm tra công tác văn thư (gửi nhầm)", "Công văn", [finance]
    )
    pulled = receive_from_hub(everyone)
    if pulled.errors:
        raise SystemExit(f"dms seeding: receiving failed: {pulled.errors}")

    doc = incoming.register_incoming(home.received(plan), home.clerk)
    doc = incoming.assign(
        doc,
        home.leader,
        main=home.specialist,
        deadline=dt.date.today() + dt.timedelta(days=7),
        instruction="Tham mưu triển khai, báo cáo trước ngày 25.",
    )
    doc = incoming.record_progress(doc, home.specialist, "Đã xây dựng dự thảo kế hoạch chi tiết")
    incoming.complete(doc, home.specialist, "Đã triển khai xong")
    done.append({"document": plan.subject, "state": "hoàn thành (01 03 04 05 06)"})

    doc = incoming.register_incoming(finance.received(budget), finance.clerk)
    incoming.assign(
        doc,
        finance.leader,
        main=finance.specialist,
        deadline=dt.date.today() + dt.timedelta(days=10),
        instruction="Phối hợp các phòng chuyên môn thực hiện.",
    )
    done.append({"document": budget.subject, "state": "đã phân công (01 03 04)"})

    incoming.register_incoming(province.received(report), province.clerk)
    done.append({"document": report.subject, "state": "đã vào sổ (01 03)"})

    incoming.refuse_incoming(
        province.received(request),
        province.clerk,
        "Không thuộc thẩm quyền giải quyết; đề nghị gửi Bộ Tài chính",
    )
    done.append({"document": request.subject, "state": "bị từ chối (01 02)"})
    done.append({"document": meeting.subject, "state": "đã đến (01), chờ văn thư"})

    outgoing.revoke(mistaken, province.clerk, "Gửi nhầm nơi nhận")
    receive_from_hub([finance.agency])
    done.append({"document": mistaken.subject, "state": "thu hồi (13), chờ trả lời"})

    later = home.send("Công văn về việc rà soát biên chế công chức năm 2027", "Công văn", [finance])
    done.append({"document": later.subject, "state": "đã gửi; đến khi dms worker chạy"})

    draft = province.draft(
        "Chỉ thị về tăng cường kỷ luật, kỷ cương hành chính", "Chỉ thị", [home, finance]
    )
    outgoing.submit_for_approval(draft, province.specialist)
    done.append({"document": draft.subject, "state": "dự thảo chờ lãnh đạo ký"})
    receive_from_hub(everyone)  # the statuses, back at the senders
    return done


def main(argv: list[str]) -> int:
    """``setup|documents STATE.json``."""
    from lienthong.dms.errors import DmsError

    step, state_path = argv[0], Path(argv[1])
    state = json.loads(state_path.read_text())
    try:
        _setup_django(migrate=step == "setup")
        from django.db import transaction

        if step == "setup":
            with transaction.atomic():
                host_agencies(state)
            return 0
        documents = put_documents_in_flight(state)
    except DmsError as exc:
        print(f"dms seeding failed: {exc.message}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps({"documents": documents}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
