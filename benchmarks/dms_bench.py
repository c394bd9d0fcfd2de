"""The dms's incoming list and search with 100,000 documents in one agency (issue 5).

A throwaway dms database (SQLite in a temporary folder; a fresh PostgreSQL database on the local
server, dropped afterwards) is migrated and seeded with bulk inserts: ONE agency with 100,000
incoming documents with Vietnamese metadata (subjects, senders, numbers, dates, states, a fifth
with text) and the text of their files (2,000-3,000 characters each), and two other agencies
with documents of their own, carrying a marker that must never show up in the first agency's
pages. Then the real views answer a clerk of that agency, through Django's test client in the
same process: the time measured is the server's (middleware, view, queries, template), from
request to response, without a network.

Each database runs in its own process (``python -m benchmarks.dms_bench --worker``): the dms
settings read the environment when they are imported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .hub_bench import _percentile, fresh_postgres

DOCUMENTS = 100_000
OTHER_DOCUMENTS = 5_000  # in each of two other agencies
REQUESTS = 50
BATCH = 5_000
AGENCY = "000.00.00.H15"
OTHERS = ("000.00.00.H16", "000.00.00.H17")
MARKER = "NGOAIPHAMVI"  # in every other agency's document; never in the measured agency's pages
RARE = "sầu riêng"  # in RARE_COUNT documents of the measured agency only
RARE_COUNT = 7
NUMBER = "1234/QĐ-UBND"
RARE_TEXT = "xoài cát Hòa Lộc"  # in the files' text of RARE_COUNT documents only

# (case, path): what a clerk opens; every case is asked REQUESTS times.
CASES: tuple[tuple[str, str], ...] = (
    ("list, first page", "/incoming/"),
    ("list, page 1,000 of 2,000", "/incoming/?page=1000"),
    ("list, state “Đã phân công”", "/incoming/?show=assigned"),
    ("search “quyet dinh”", "/search/?q=quyet+dinh"),
    ("search “dak lak”", "/search/?q=dak+lak"),
    (f"search “{NUMBER}”", "/search/?q=" + NUMBER.replace("/", "%2F")),
    (f"search “{RARE}” ({RARE_COUNT} documents)", "/search/?q=" + RARE.replace(" ", "+")),
    ("incoming list search “dak lak”", "/incoming/?q=dak+lak"),
    ("search in the files' text too “dak lak”", "/search/?q=dak+lak&text=1"),
    (
        f"search in the files' text too “{RARE_TEXT}” ({RARE_COUNT} documents)",
        "/search/?q=" + RARE_TEXT.replace(" ", "+") + "&text=1",
    ),
)

TYPES = (
    ("QĐ", "Quyết định"),
    ("CV", "Công văn"),
    ("TB", "Thông báo"),
    ("KH", "Kế hoạch"),
    ("BC", "Báo cáo"),
    ("TTr", "Tờ trình"),
    ("GM", "Giấy mời"),
)
SENDERS = (
    ("UBND", "Ủy ban nhân dân tỉnh Đắk Lắk"),
    ("SNV", "Sở Nội vụ tỉnh Đắk Lắk"),
    ("STC", "Sở Tài chính tỉnh Đắk Nông"),
    ("SGDĐT", "Sở Giáo dục và Đào tạo tỉnh Gia Lai"),
    ("SYT", "Sở Y tế thành phố Hồ Chí Minh"),
    ("BNV", "Bộ Nội vụ"),
    ("BTC", "Bộ Tài chính"),
    ("VPCP", "Văn phòng Chính phủ"),
    ("UBND", "Ủy ban nhân dân huyện Krông Pắc"),
    ("UBND", "Ủy ban nhân dân thành phố Buôn Ma Thuột"),
    ("STNMT", "Sở Tài nguyên và Môi trường tỉnh Lâm Đồng"),
    ("CA", "Công an tỉnh Khánh Hòa"),
)
TOPICS = (
    "triển khai thực hiện Nghị định số 30/2020/NĐ-CP về công tác văn thư",
    "phê duyệt kế hoạch chuyển đổi số năm {year}",
    "tổ chức Hội nghị tổng kết công tác cải cách hành chính",
    "bổ nhiệm cán bộ lãnh đạo cấp phòng",
    "giao chỉ tiêu dự toán ngân sách nhà nước năm {year}",
    "phòng, chống dịch bệnh trên đàn gia súc, gia cầm",
    "tăng cường công tác phòng cháy, chữa cháy mùa khô",
    "hỗ trợ đồng bào dân tộc thiểu số vùng đặc biệt khó khăn",
    "đôn đốc giải ngân vốn đầu tư công",
    "kiểm tra việc quản lý, sử dụng đất đai",
    "thành lập Đoàn kiểm tra liên ngành",
    "báo cáo tình hình kinh tế - xã hội tháng {month}",
    "đào tạo, bồi dưỡng công chức cấp xã",
    "đề nghị cung cấp thông tin phục vụ công tác thanh tra",
    "công bố thủ tục hành chính mới ban hành",
    "mời họp giao ban đầu tuần",
    "xử lý kiến nghị của cử tri",
    "phát triển cây cà phê và hồ tiêu bền vững",
)
LEADS = ("Về việc", "V/v", "Về", "")
CONTENT = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; căn cứ Nghị định "
    "số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; xét đề nghị "
    "của Giám đốc Sở Nội vụ, các cơ quan, đơn vị có liên quan tổ chức triển khai thực hiện, "
    "báo cáo kết quả về Ủy ban nhân dân tỉnh trước ngày {day} tháng {month} năm {year}."
)
# The files' text: a page or two of a công văn (about 2,000-3,000 characters), made of these.
PARAGRAPHS = (
    CONTENT.format(day=15, month=6, year=2025),
    "Thực hiện chỉ đạo của Thủ tướng Chính phủ, Ủy ban nhân dân tỉnh yêu cầu Thủ trưởng các sở, "
    "ban, ngành, Chủ tịch Ủy ban nhân dân các huyện, thị xã, thành phố tập trung chỉ đạo quyết "
    "liệt, đồng bộ các giải pháp, bảo đảm hoàn thành các mục tiêu, nhiệm vụ đã đề ra.",
    "Giao Sở Tài chính chủ trì, phối hợp với Sở Kế hoạch và Đầu tư tham mưu bố trí kinh phí "
    "thực hiện từ nguồn ngân sách tỉnh theo phân cấp hiện hành; hướng dẫn thanh toán, quyết "
    "toán theo đúng quy định của pháp luật.",
    "Trong quá trình triển khai, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị kịp thời báo "
    "cáo về Ủy ban nhân dân tỉnh (qua Sở Nội vụ) để xem xét, giải quyết theo thẩm quyền.",
    "Đẩy mạnh ứng dụng công nghệ thông tin, chuyển đổi số trong hoạt động của cơ quan nhà "
    "nước; 100% văn bản đi, đến được xử lý trên môi trường mạng và ký số theo quy định.",
    "Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh chủ động nắm tình hình, bảo đảm an ninh chính trị, "
    "trật tự an toàn xã hội trên địa bàn, nhất là tại các vùng đồng bào dân tộc thiểu số.",
    "Sở Nông nghiệp và Phát triển nông thôn hướng dẫn nông dân chăm sóc cây trồng mùa khô, "
    "phòng chống sâu bệnh hại trên cây cà phê, hồ tiêu, sầu riêng và các loại cây ăn quả.",
    "Nơi nhận: Như trên; Thường trực Tỉnh ủy; Thường trực HĐND tỉnh; Chủ tịch, các PCT UBND "
    "tỉnh; Lãnh đạo Văn phòng; Cổng thông tin điện tử tỉnh; Lưu: VT, TH.",
)
SIGNERS = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Cường", "Phạm Thị Dung", "Hoàng Văn Đông")
POSITIONS = ("Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Phó Giám đốc", "Chánh Văn phòng")
# A realistic spread: most documents are done; a few are waiting for the clerk.
STATES = (
    ("completed", 55),
    ("processing", 15),
    ("assigned", 12),
    ("registered", 8),
    ("arrived", 7),
    ("refused", 3),
)


# --- the parent: one process per database ---------------------------------------------------


def _measure_in_process(database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lienthong-dms-bench-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
        env["LIENTHONG_DMS_DATA_DIR"] = data_dir
        env["DJANGO_SETTINGS_MODULE"] = "lienthong.sites.dms.settings"
        if database_url:
            env["LIENTHONG_DMS_DATABASE_URL"] = database_url
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.dms_bench", "--worker"],
            env=env, capture_output=True, text=True, check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"dms benchmark worker failed:\n{done.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"documents": DOCUMENTS, "requests": REQUESTS}
    results["sqlite"] = _measure_in_process(None)
    with fresh_postgres() as url:
        results["postgresql"] = _measure_in_process(url)
    return results


def markdown(results: dict[str, Any]) -> list[str]:
    sqlite, pg = results["sqlite"], results["postgresql"]
    lines = [
        f"**dms incoming list and search, {results['documents']:,} documents** in one agency "
        f"(plus {2 * OTHER_DOCUMENTS:,} in two other agencies, never shown), a clerk of that "
        f"agency, the real views through Django's test client in one process: server time per "
        f"page, {results['requests']} requests per case, 50 rows a page; target p95 below 300 ms:",
        "",
        "| case | SQLite p50 ms | SQLite p95 ms | PostgreSQL p50 ms | PostgreSQL p95 ms | found |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in sqlite["cases"].items():
        p = pg["cases"][name]
        lines.append(
            f"| {name} | {s['p50_ms']} | {s['p95_ms']} | {p['p50_ms']} | {p['p95_ms']} "
            f"| {s['rows']} |"
        )
    lines += [
        "",
        f"Seeding with bulk inserts (not what is measured): SQLite {sqlite['seed_s']} s, "
        f"PostgreSQL {pg['seed_s']} s, then `ANALYZE`, for "
        f"{DOCUMENTS + 2 * OTHER_DOCUMENTS:,} documents.",
        "",
    ]
    return lines


# --- the worker: one database, in its own process -------------------------------------------


def _seed() -> tuple[Any, float]:
    from django.db import connection

    from lienthong.dms import textsearch
    from lienthong.dms.agencies.services import create_agency, create_user
    from lienthong.dms.incoming.models import IncomingDocument, IncomingText
    from lienthong.dms.registers.models import Register

    started = time.perf_counter()
    rng = random.Random(5)
    states = [s for s, weight in STATES for _ in range(weight)]
    paragraphs = [textsearch.normalise(p) for p in PARAGRAPHS]
    rare_text = textsearch.normalise(f"Giống {RARE_TEXT} được trồng thử nghiệm tại huyện.")
    now = dt.datetime.now(dt.UTC)

    def documents(agency: Any, count: int, marker: str) -> None:
        register = Register.objects.get(agency=agency, kind="incoming", is_default=True)
        numbers: dict[int, int] = {}
        rare = set(rng.sample(range(count), RARE_COUNT)) if not marker else set()
        rare_in_text = set(rng.sample(range(count), RARE_COUNT)) if not marker else set()
        batch: list[Any] = []
        texts: list[str] = []
        for n in range(count):
            # one document every ~30 minutes, going back about 5.7 years for 100,000
            arrived = now - dt.timedelta(minutes=30 * (count - n), seconds=rng.randrange(600))
            year = arrived.year
            kind, type_name = rng.choice(TYPES)
            notation, sender = rng.choice(SENDERS)
            number = str(rng.randrange(1, 3000))
            code_notation = f"{kind}-{notation}{marker}"
            topic = rng.choice(TOPICS).format(year=year, month=arrived.month)
            lead = rng.choice(LEADS)
            subject = f"{lead} {topic}".strip()
            if n in rare:
                subject += f" và tiêu thụ {RARE} niên vụ {year}"
            if marker:
                subject += f" ({marker})"
            content = ""
            if rng.random() < 0.2:
                content = CONTENT.format(day=rng.randrange(1, 29), month=arrived.month, year=year)
            body = [rng.choice(paragraphs) for _ in range(rng.randrange(6, 11))]
            if n in rare_in_text:
                body.insert(rng.randrange(len(body)), rare_text)
            state = rng.choice(states)
            registered = state not in ("arrived", "refused")
            arrival_number = None
            if registered:
                numbers[year] = numbers.get(year, 0) + 1
                arrival_number = numbers[year]
            promulgated = (arrived - dt.timedelta(days=rng.randrange(0, 5))).date()
            deadline = None
            if state in ("assigned", "processing", "completed"):
                deadline = (arrived + dt.timedelta(days=rng.randrange(3, 30))).date()
            sender_code = f"000.00.{rng.randrange(10, 99)}.G{rng.randrange(10, 99)}"
            batch.append(
                IncomingDocument(
                    agency=agency,
                    hub_message_id=f"{agency.code}-{n:08d}",
                    payload_sha256=f"{n:064x}",
                    business_type=0,
                    sender_code=sender_code,
                    sender_name=sender,
                    document_id=f"{sender_code},{arrived:%Y/%m/%d},{number}/{code_notation}",
                    code_number=number,
                    code_notation=code_notation,
                    type_name=type_name,
                    subject=subject,
                    content=content,
                    promulgation_date=promulgated,
                    signer_name=rng.choice(SIGNERS),
                    signer_position=rng.choice(POSITIONS),
                    priority=1 if rng.random() < 0.05 else 0,
                    verdict={"edxml": {"ok": True}},
                    signature_ok=True,
                    state=state,
                    arrived_at=arrived,
                    register=register if registered else None,
                    arrival_year=year if registered else None,
                    arrival_number=arrival_number,
                    registered_at=arrived + dt.timedelta(hours=1) if registered else None,
                    refusal_reason="Gửi nhầm cơ quan" if state == "refused" else "",
                    deadline=deadline,
                    completed_at=arrived + dt.timedelta(days=3) if state == "completed" else None,
                    search_text=textsearch.joined(
                        subject,
                        f"{number}/{code_notation}",
                        sender,
                        sender_code,
                        type_name,
                        content,
                    ),
                )
            )
            texts.append(" ".join(body))
            if len(batch) == BATCH:
                save(batch, texts)
                batch, texts = [], []
        if batch:
            save(batch, texts)

    def save(batch: list[Any], texts: list[str]) -> None:
        saved = IncomingDocument.objects.bulk_create(batch)  # primary keys set on both databases
        IncomingText.objects.bulk_create(
            IncomingText(document=doc, content=textsearch.with_files(doc.search_text, text))
            for doc, text in zip(saved, texts, strict=True)
        )

    def agency_named(code: str, name: str) -> Any:
        return create_agency(
            code, name=name, notation="UBND", hub_url="http://127.0.0.1:9/",
            client_id="bench", client_secret="bench",
        )  # fmt: skip

    home = agency_named(AGENCY, "Ủy ban nhân dân tỉnh Đắk Lắk")
    for code in OTHERS:
        documents(agency_named(code, f"Cơ quan khác {code}"), OTHER_DOCUMENTS, MARKER)
    documents(home, DOCUMENTS, "")
    clerk = create_user("vanthu", agency=home, role="clerk", password="bench-password")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return clerk, round(time.perf_counter() - started, 1)


def _rows(body: str, path: str) -> int:
    if path.startswith("/search/"):
        start = body.find('id="found-incoming"')
        if start < 0:
            return 0
        return body[start : body.find("</ul>", start)].count("<li>")
    start = body.find("<tbody>")
    return 0 if start < 0 else body[start : body.find("</tbody>", start)].count("<tr")


def worker() -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    clerk, seed_seconds = _seed()
    client = Client(HTTP_HOST="localhost")
    client.force_login(clerk)
    cases: dict[str, Any] = {}
    for name, path in CASES:
        response = client.get(path)  # warm up: templates, connection, caches
        assert response.status_code == 200, (path, response.status_code)
        body = response.content.decode()
        assert MARKER not in body, f"{path}: another agency's document shown"
        samples = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        cases[name] = {
            "p50_ms": round(_percentile(samples, 0.5) * 1000, 1),
            "p95_ms": round(_percentile(samples, 0.95) * 1000, 1),
            "rows": _rows(body, path),
        }
    # scoping: the other agencies' documents exist, and none of them is found from here
    response = client.get("/search/?q=" + MARKER)
    assert _rows(response.content.decode(), "/search/") == 0, "another agency's document found"
    return {"seed_s": seed_seconds, "vendor": connection.vendor, "cases": cases}


if __name__ == "__main__":
    if "--worker" in sys.argv:
        print(json.dumps(worker()))
    else:
        print("\n".join(markdown(run())))
