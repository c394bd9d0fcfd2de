"""In English, the pages of the dms read English: states, roles, priorities, history events,
delivery states, form labels. What stays Vietnamese is what the documents and the people say
(summaries, agency and person names, document types) — and the register PDF, the book kept on
file (see test_books)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

from django.test import Client
from django.utils import timezone, translation

from lienthong.dms.agencies.models import Agency, User
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.incoming import services
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing import services as outgoing
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.registers.models import Register
from lienthong.dms.registers.services import TYPE_ABBREVIATIONS

from .support import arrive
from .test_outgoing import approved, draft
from .test_ui import client_for

# Letters that only Vietnamese text has (lower and upper case): a page in English with none of
# them left, once the documents' own words are taken out, has no Vietnamese label left.
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ]"
)


def english_client(user: Any) -> Client:
    client = client_for(user)
    response = client.post("/language/", {"language": "en", "next": "/incoming/"})
    assert response.status_code == 302
    return client


def content_words() -> list[str]:
    """What the documents, agencies and people say themselves: shown as they are."""
    words = ["Tiếng Việt"]  # the language menu names each language in itself
    words += list(TYPE_ABBREVIATIONS)  # the types of document (Decree 30), offered in a draft
    for agency in Agency.objects.all():
        words += [agency.name, agency.name.upper()]
    words += [r.name for r in Register.objects.all()]  # as the agency named its registers
    for user in User.objects.all():
        words += [user.full_name, user.position]
    for doc in IncomingDocument.objects.all():
        words += [doc.subject, doc.type_name, doc.sender_name, doc.signer_name]
        words += [doc.signer_position, doc.code_text, doc.instruction, doc.result]
        words += [e.text for e in doc.events.all()] + [f.name for f in doc.files.all()]
    for out in OutgoingDocument.objects.all():
        words += [out.subject, out.type_name, out.signer_name, out.signer_position]
        words += [out.signer_competence, out.code_text]
        words += [r.get("name", "") for r in out.recipients] + [e.text for e in out.events.all()]
    words += [d.title for d in Dossier.objects.all()]
    return sorted((w for w in words if w), key=len, reverse=True)


def vietnamese_left(page: str) -> list[str]:
    """The bits of Vietnamese text of ``page`` once tags, scripts and content are removed."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", "\n", page))
    for words in content_words():
        text = text.replace(words, " ")
    return [line.strip() for line in text.splitlines() if VIETNAMESE.search(line)]


def seeded(offices: Any) -> dict[str, Any]:
    """Incoming documents in every state, outgoing ones in several, a dossier."""
    office = offices.recipient
    clerk, leader = office.clerk, office.leader
    arrived = arrive(offices, number="1", subject="Kế hoạch phòng chống lụt bão")
    refused = arrive(offices, number="2", subject="Công văn gửi nhầm")
    services.refuse_incoming(refused, clerk, "gửi nhầm cơ quan")
    urgent = arrive(offices, number="3")
    IncomingDocument.objects.filter(pk=urgent.pk).update(priority=1)
    registered = services.register_incoming(IncomingDocument.objects.get(pk=urgent.pk), clerk)
    assigned = services.register_incoming(arrive(offices, number="4"), clerk)
    assigned = services.assign(
        assigned,
        leader,
        main=office.specialist,
        co=[office.colleague],
        info=[office.head],
        deadline=timezone.localdate() - dt.timedelta(days=2),
        instruction="Tham mưu trả lời",
    )
    processing = services.register_incoming(arrive(offices, number="5"), clerk)
    processing = services.assign(processing, leader, main=office.specialist)
    services.record_progress(processing, office.specialist, "Đã liên hệ bên gửi")
    completed = services.register_incoming(arrive(offices, number="6"), clerk)
    completed = services.assign(completed, leader, main=office.specialist)
    services.complete(completed, office.specialist, "Đã trả lời bằng điện thoại")

    drafted = draft(office)
    submitted = outgoing.submit_for_approval(draft(office), office.specialist)
    issued = outgoing.issue(approved(office), clerk)
    dossier = dossiers.create_dossier(
        clerk, title="Hồ sơ phòng chống lụt bão", file_notation="01", year=timezone.localdate().year
    )
    dossiers.add_document(dossier, clerk, completed)
    return {
        "incoming": [arrived, refused, registered, assigned, processing, completed],
        "outgoing": [drafted, submitted, issued],
        "dossier": dossier,
    }


def test_the_pages_read_english_but_for_the_documents_own_words(offices: Any) -> None:
    docs = seeded(offices)
    client = english_client(offices.recipient.leader)
    year = timezone.localdate().year
    pages = {
        "/incoming/": None,
        **{f"/incoming/{d.pk}/": None for d in docs["incoming"]},
        f"/incoming/{docs['incoming'][3].pk}/slip/": None,
        "/outgoing/": None,
        "/outgoing/new/": None,
        f"/outgoing/new/?updates={docs['outgoing'][2].pk}": None,
        **{f"/outgoing/{d.pk}/": None for d in docs["outgoing"]},
        f"/outgoing/{docs['outgoing'][2].pk}/tracking/": None,
        f"/registers/?year={year}": None,
        f"/registers/?register=follow-up&year={year}": None,
        "/reports/": None,
        "/dossiers/": None,
        f"/dossiers/{docs['dossier'].pk}/": None,
        "/search/?q=ke+hoach": None,
        "/incoming/999999/": None,  # the page that says a document is not there
    }
    left = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == (404 if "999999" in url else 200), url
        pages[url] = response.content.decode()
        left[url] = vietnamese_left(pages[url])
    assert {url: words for url, words in left.items() if words} == {}

    listed = pages["/incoming/"]
    for state in ("Arrived", "Refused", "Registered", "Assigned", "Processing", "Completed"):
        assert f">{state}</span>" in listed
    assert "Leader" in listed  # the role, beside the user's name
    detail = pages[f"/incoming/{docs['incoming'][3].pk}/"]
    assert "Main handler: Chuyên Viên Một" in detail and "For information:" in detail
    assert "Registered (Lê Thị Văn Thư)" in detail  # the history's event
    assert "03 Accepted (registered)" in detail  # the status sent to the sender
    assert "Urgent" in pages[f"/incoming/{docs['incoming'][2].pk}/"]
    assert "Progress (Chuyên Viên Một)" in pages[f"/incoming/{docs['incoming'][4].pk}/"]
    outgoing_list = pages["/outgoing/"]
    for state in ("Draft", "Awaiting approval", "Issued, waiting to be sent"):
        assert f">{state}</span>" in outgoing_list
    issued = pages[f"/outgoing/{docs['outgoing'][2].pk}/"]
    assert "Submitted for approval" in issued and "Numbered and signed by the agency" in issued
    follow_up = pages[f"/registers/?register=follow-up&year={year}"]
    assert "Overdue by 2 days" in follow_up or "overdue" in follow_up.lower()
    assert "Open" in pages["/dossiers/"]
    assert "Public" in pages[f"/dossiers/{docs['dossier'].pk}/"]
    assert "Reason for the update" in pages[f"/outgoing/new/?updates={docs['outgoing'][2].pk}"]
    assert "Not found" in pages["/incoming/999999/"]
    done = client.post(f"/dossiers/{docs['dossier'].pk}/close/", follow=True).content.decode()
    assert "Dossier closed." in done  # what an action says, in the user's language


def test_what_went_wrong_is_said_in_the_user_s_language(offices: Any) -> None:
    doc = arrive(offices)
    specialist = offices.recipient.specialist
    url = f"/incoming/{doc.pk}/register/"
    vietnamese = client_for(specialist).post(url, follow=True).content.decode()
    assert "Không có quyền: tài khoản h41-specialist (Chuyên viên) không được vào sổ" in unescape(
        vietnamese
    )
    english = english_client(specialist).post(url, follow=True).content.decode()
    assert "Not allowed: h41-specialist (Specialist) may not register or refuse" in unescape(
        english
    )
    done = english_client(offices.recipient.clerk).post(
        f"/incoming/{doc.pk}/refuse/", {"reason": "gửi nhầm"}, follow=True
    )
    again = english_client(offices.recipient.clerk).post(url, follow=True).content.decode()
    assert done.status_code == 200 and "the document is refused" in unescape(again)


def test_a_vietnamese_user_still_reads_vietnamese_labels(offices: Any) -> None:
    docs = seeded(offices)
    client = client_for(offices.recipient.leader)
    listed = client.get("/incoming/").content.decode()
    assert ">Đã vào sổ</span>" in listed and ">Hoàn thành</span>" in listed
    detail = client.get(f"/incoming/{docs['incoming'][3].pk}/").content.decode()
    assert "Xử lý chính: Chuyên Viên Một" in detail and "Vào sổ (Lê Thị Văn Thư)" in detail
    assert "Lãnh đạo" in listed


def test_an_english_page_does_not_leave_english_behind_for_the_next_vietnamese_one(
    offices: Any,
) -> None:
    arrive(offices)
    english_client(offices.recipient.clerk).get("/incoming/")
    page = client_for(offices.recipient.leader).get("/incoming/").content.decode()
    assert ">Đã đến</span>" in page and ">Arrived</span>" not in page


def test_an_archive_package_made_in_english_keeps_its_history_in_vietnamese(offices: Any) -> None:
    from .test_archiving import closed_dossier, events_of, package_bytes

    dossier = closed_dossier(offices)
    with translation.override("en"):
        events = events_of(package_bytes(offices.recipient.leader, dossier))
    details = " ".join(e["detail"] for e in events if e["type"] == "register")
    assert "Vào sổ" in details and "Registered" not in details
