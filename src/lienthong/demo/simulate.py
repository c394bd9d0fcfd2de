"""``lienthong simulate``: traffic between many agencies through a hub's real HTTP API.

Two halves. :func:`make_plan` is pure: from (agencies, documents, months, seed) it decides who
sends what to whom and how each recipient answers, so a seed always gives the same plan.
:func:`register` puts the plan's agencies, their connected systems and the test PKI's root on
the hub of ``LIENTHONG_DATA_DIR`` through its registry services, and :func:`drive` plays the
plan over HTTP with the client SDK: signed documents, inbox leases, fetches, acknowledgements,
status notices (01 03 04 05 06, refusals 02), take-backs (13, answered 15) and replacements,
from several threads at once (a load generator); each thread plays whole documents, so the
hub gets the plan's messages whatever the concurrency, in about the plan's order.

The hub counts each message in the month it *arrives*: its API takes no past date, so
``--months`` spreads the documents' own dates (PromulgationDate, DocumentId) over the months,
not the hub's monthly counters.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lienthong.edxml import Organization
from lienthong.edxml.model import Code, EdocMessage, StatusCode

from .pdf import one_page_pdf

MAX_MINISTRIES = 50  # G50…G99
MAX_PROVINCES = 50  # H50…H99
MAX_AGENCIES = MAX_MINISTRIES + MAX_PROVINCES * 99

# How one recipient answers a document: the status codes it sends, in order.
OUTCOMES: tuple[tuple[str, tuple[str, ...], int], ...] = (  # (name, codes, weight)
    ("completed", ("01", "03", "04", "05", "06"), 50),
    ("processing", ("01", "03", "04", "05"), 12),
    ("assigned", ("01", "03", "04"), 10),
    ("registered", ("01", "03"), 10),
    ("arrived", ("01",), 8),
    ("refused", ("01", "02"), 10),
)
REVOKE_SHARE = 0.05
REPLACE_SHARE = 0.05

_TYPES = (
    ("Công văn", "", "V/v {topic}"),
    ("Quyết định", "QĐ", "Quyết định về việc {topic}"),
    ("Kế hoạch", "KH", "Kế hoạch {topic}"),
    ("Báo cáo", "BC", "Báo cáo kết quả {topic}"),
    ("Thông báo", "TB", "Thông báo về {topic}"),
    ("Chỉ thị", "CT", "Chỉ thị về {topic}"),
)
_TOPICS = (
    "triển khai chuyển đổi số năm {year}",
    "giao dự toán ngân sách năm {year}",
    "rà soát thủ tục hành chính",
    "tăng cường kỷ luật, kỷ cương hành chính",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "tổ chức hội nghị tổng kết công tác năm {year}",
    "đẩy mạnh gửi, nhận văn bản điện tử",
    "sắp xếp đơn vị hành chính cấp xã",
    "bảo đảm an toàn thông tin mạng",
    "kiểm tra công tác văn thư, lưu trữ",
)
_REFUSALS = (
    "Không thuộc thẩm quyền giải quyết",
    "Văn bản thiếu chữ ký của người có thẩm quyền",
    "Gửi nhầm nơi nhận",
)


class SimulationError(Exception):
    """The hub or the environment stops the simulation: a one-line message (exit 2)."""


# --- the plan (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class SimAgency:
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class SimDocument:
    index: int
    sender: str
    recipients: tuple[str, ...]
    type_name: str
    notation: str
    subject: str
    date: str  # ISO date: the document's own date, spread over --months
    answers: tuple[tuple[str, ...], ...]  # per recipient, the status codes it sends
    revoke: bool = False
    replace: bool = False


@dataclass(frozen=True)
class Plan:
    agencies: tuple[SimAgency, ...]
    documents: tuple[SimDocument, ...]
    seed: int

    def digest(self) -> str:
        """SHA-256 of the plan: equal plans, equal digests."""
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def expected(self) -> dict[str, int]:
        """The messages the hub will accept when the plan is played on it."""
        edocs = len(self.documents) + sum(d.replace for d in self.documents)
        statuses = 0
        refusals = revokes = replacements = 0
        for doc in self.documents:
            statuses += sum(len(codes) for codes in doc.answers)
            refusals += sum("02" in codes for codes in doc.answers)
            if doc.revoke:
                revokes += 1
                statuses += 1 + len(doc.recipients)  # 13, then 15 from each recipient
            replacements += doc.replace
        return {
            "edoc": edocs,
            "status": statuses,
            "refusals": refusals,
            "revokes": revokes,
            "replacements": replacements,
        }


def plan_agencies(count: int) -> tuple[SimAgency, ...]:
    """``count`` agencies, the same for a given count whatever the seed: about one in ten a
    ministry, one in five a province, the rest its departments (level 2) round the provinces."""
    if not 2 <= count <= MAX_AGENCIES:
        raise SimulationError(f"--agencies must be between 2 and {MAX_AGENCIES}")
    ministries = min(MAX_MINISTRIES, max(1, count // 10))
    provinces = min(MAX_PROVINCES, max(1, count // 5))
    agencies = [
        SimAgency(f"000.00.00.G{50 + i}", f"Bộ mô phỏng số {50 + i}", 1) for i in range(ministries)
    ]
    agencies += [
        SimAgency(f"000.00.00.H{50 + i}", f"Ủy ban nhân dân tỉnh mô phỏng {50 + i}", 1)
        for i in range(provinces)
    ]
    unit = 0
    while len(agencies) < count:
        province, number = 50 + unit % provinces, 1 + unit // provinces
        kind = "Sở" if number <= 20 else "Ủy ban nhân dân xã"
        agencies.append(
            SimAgency(
                f"000.00.{number:02d}.H{province}",
                f"{kind} mô phỏng {number:02d} tỉnh {province}",
                2,
            )
        )
        unit += 1
    return tuple(agencies[:count])


def make_plan(
    agencies: int, documents: int, *, months: int = 1, seed: int = 0, today: dt.date | None = None
) -> Plan:
    if documents < 1:
        raise SimulationError("--documents must be at least 1")
    if not 1 <= months <= 120:
        raise SimulationError("--months must be between 1 and 120")
    rng = random.Random(seed)  # noqa: S311 - a reproducible plan, not a secret
    members = plan_agencies(agencies)
    codes = [a.code for a in members]
    end = today or dt.date.today()
    first = _add_months(end.replace(day=1), -(months - 1))
    # Traffic grows month after month: month m (1…K) weighs m + K (the last about twice the first).
    weights = [m + months for m in range(1, months + 1)]
    outcome_weights = [w for _, _, w in OUTCOMES]
    plan: list[SimDocument] = []
    for index in range(documents):
        sender = rng.choice(codes)
        others = [c for c in codes if c != sender]
        fan_out = rng.choices((1, 2, 3, 5), weights=(60, 25, 10, 5))[0]
        recipients = tuple(sorted(rng.sample(others, min(fan_out, len(others)))))
        type_name, kind, pattern = rng.choice(_TYPES)
        month = _add_months(first, rng.choices(range(months), weights=weights)[0])
        last_day = (_add_months(month, 1) - dt.timedelta(days=1)).day
        day = month.replace(
            day=rng.randint(1, last_day if month != end.replace(day=1) else end.day)
        )
        subject = pattern.format(topic=rng.choice(_TOPICS).format(year=day.year))
        answers = tuple(rng.choices(OUTCOMES, weights=outcome_weights)[0][1] for _ in recipients)
        roll = rng.random()
        plan.append(
            SimDocument(
                index=index,
                sender=sender,
                recipients=recipients,
                type_name=type_name,
                notation=kind,
                subject=subject,
                date=day.isoformat(),
                answers=answers,
                revoke=roll < REVOKE_SHARE,
                replace=REVOKE_SHARE <= roll < REVOKE_SHARE + REPLACE_SHARE,
            )
        )
    return Plan(members, tuple(plan), seed)


def _add_months(month: dt.date, count: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + count
    return dt.date(total // 12, total % 12 + 1, 1)


# --- registering on the hub (its services, in this process) ----------------------------------


@dataclass
class Member:
    """A simulated agency as its own document system sees it."""

    agency: SimAgency
    client_id: str
    client_secret: str
    p12: str
    p12_password: str


def register(plan: Plan, pki_dir: Path, *, say: Callable[[str], None]) -> dict[str, Member]:
    """The plan's agencies, systems (one each, ``sim-<code>``) and signing certificates; the
    test PKI's root trusted by the hub. Reruns reuse the PKI and reissue the secrets."""
    from lienthong.signatures import testpki
    from lienthong.signatures.errors import SignaturesError

    from . import seed_hub

    say(f"Registering {len(plan.agencies)} agencies on the hub of LIENTHONG_DATA_DIR…")
    try:
        seed_hub.setup(migrate=False)
    except seed_hub.SeedError as exc:
        raise SimulationError(str(exc)) from None
    try:
        if (pki_dir / "simulate.json").exists():
            issued = json.loads((pki_dir / "simulate.json").read_text())
            root = testpki.open_pki(pki_dir).root
        else:
            pki_dir.mkdir(parents=True, exist_ok=True)
            root = testpki.init_pki(pki_dir, port=0).root
            issued = {}
        for agency in plan.agencies:
            if agency.code not in issued:
                made = testpki.issue_agency(pki_dir, code=agency.code, name=agency.name)
                issued[agency.code] = {"p12": str(made.p12), "p12_password": made.p12_password}
    except (SignaturesError, OSError, ValueError) as exc:
        raise SimulationError(f"the simulator's test PKI in {pki_dir}: {exc}") from None
    (pki_dir / "simulate.json").write_text(json.dumps(issued))
    try:
        seed_hub.register_agencies(asdict(a) for a in plan.agencies)
        seed_hub.trust(root.read_bytes())
        systems = seed_hub.connect_systems(
            {"name": f"sim-{a.code}", "agencies": [a.code]} for a in plan.agencies
        )
    except seed_hub.SeedError as exc:
        raise SimulationError(str(exc)) from None
    finally:
        seed_hub.close()
    return {
        a.code: Member(
            a,
            systems[f"sim-{a.code}"]["client_id"],
            systems[f"sim-{a.code}"]["client_secret"],
            issued[a.code]["p12"],
            issued[a.code]["p12_password"],
        )
        for a in plan.agencies
    }


# --- playing the plan over HTTP --------------------------------------------------------------


@dataclass
class Tally:
    edoc: int = 0
    status: int = 0
    refusals: int = 0
    revokes: int = 0
    replacements: int = 0
    deliveries_acknowledged: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class _Numbers:
    """Each sender's next document number in a year, shared by the sending threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, int], int] = {}

    def next(self, sender: str, year: int) -> int:
        with self._lock:
            number = self._last.get((sender, year), 0) + 1
            self._last[sender, year] = number
            return number


class _Party:
    """One agency's connected system: its SDK client (thread-safe: one token, one connection
    pool for every sending thread) and its signing key."""

    def __init__(self, member: Member, hub_url: str) -> None:
        from lienthong.client import HubClient

        from .messages import load_key

        self.organization = Organization(member.agency.code, organ_name=member.agency.name)
        self.key = load_key(member.p12, member.p12_password)
        self.client = HubClient(hub_url, member.client_id, member.client_secret)

    def drain(self, kind: str, tally: Tally) -> None:
        """Lease, fetch and acknowledge what waits for this agency. Another thread may be
        draining the same inbox: the hub leases a delivery to one poller only, and the poller
        that leased it acknowledges it."""
        while True:
            items = self.client.inbox(kind="edoc" if kind == "edoc" else "status", limit=100)
            if not items:
                return
            for item in items:
                self.client.fetch(item.message_id)
                self.client.ack(item.delivery_id)
                tally.deliveries_acknowledged += 1


class _Sender:
    """One sending thread, with its own tally."""

    def __init__(self, parties: dict[str, _Party]) -> None:
        self.parties = parties
        self.tally = Tally()

    def party(self, code: str) -> _Party:
        return self.parties[code]

    def play(self, doc: SimDocument, numbers: _Numbers) -> None:
        """One document of the plan: sent, received and answered, taken back or replaced."""
        from .messages import edoc, signed, status

        tally = self.tally
        sender = self.party(doc.sender)
        date = dt.date.fromisoformat(doc.date)
        notation = "-".join(p for p in (doc.notation, _short(doc.sender)) if p)
        message = edoc(
            sender=sender.organization,
            recipients=[self.party(c).organization for c in doc.recipients],
            subject=doc.subject,
            code=Code(f"{numbers.next(doc.sender, date.year):02d}", notation),
            type_name=doc.type_name,
            date=date,
            # Unique on every run, so a plan can be played again on the same hub.
            document_id=str(uuid.uuid4()),
            pdf=_pdf(doc.type_name),
        )
        sender.client.submit(signed(message, sender.key))
        tally.edoc += 1
        for code, answers in zip(doc.recipients, doc.answers, strict=True):
            _answer(self.party(code), message, answers, tally, status)
        if doc.revoke:
            recipients = [self.party(c) for c in doc.recipients]
            _take_back(sender, message, recipients, tally, status)
        if doc.replace:
            replacement = edoc(
                sender=sender.organization,
                recipients=message.to,
                subject=doc.subject + " (thay thế)",
                code=Code(f"{numbers.next(doc.sender, date.year):02d}", notation),
                type_name=doc.type_name,
                date=date,
                document_id=str(uuid.uuid4()),
                pdf=_pdf(doc.type_name),
                replaces=message.document_id,
                reason="Sai sót về nội dung",
            )
            sender.client.submit(signed(replacement, sender.key))
            tally.edoc += 1
            tally.replacements += 1
            for code in doc.recipients:
                self.party(code).drain("edoc", tally)
        sender.drain("status", tally)


def drive(
    plan: Plan,
    members: dict[str, Member],
    hub_url: str,
    *,
    rate: float = 0.0,
    concurrency: int = 1,
    on_document: Callable[[], None] = lambda: None,
) -> Tally:
    """Play every document of the plan from ``concurrency`` threads, each taking the next
    document in the plan's order (so they are sent in about that order, not exactly);
    ``rate`` documents per second at most, all threads together.

    Every document is played whole by one thread (sent, received, answered, taken back or
    replaced), so the messages the hub gets are the plan's whatever the concurrency.
    """
    from lienthong.client.errors import HubClientError
    from lienthong.edxml.errors import EdxmlError

    if concurrency < 1:
        raise SimulationError("--concurrency must be at least 1")
    _answers(hub_url)
    try:
        parties = {code: _Party(member, hub_url) for code, member in members.items()}
    except (OSError, EdxmlError) as exc:
        raise SimulationError(f"a simulated agency's signing key: {exc}") from None
    numbers = _Numbers()
    pending = iter(plan.documents)
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[BaseException] = []
    senders = [_Sender(parties) for _ in range(concurrency)]
    began = time.monotonic()

    def next_document() -> SimDocument | None:
        with lock:
            return None if stop.is_set() else next(pending, None)

    def work(sender: _Sender) -> None:
        try:
            while (doc := next_document()) is not None:
                if rate > 0:
                    wait = began + doc.index / rate - time.monotonic()
                    if wait > 0 and stop.wait(wait):
                        return
                sender.play(doc, numbers)
                with lock:
                    on_document()
        except BaseException as exc:  # handed to the main thread, which raises it
            stop.set()
            with lock:
                failures.append(exc)

    threads = [
        threading.Thread(target=work, args=(sender,), name=f"simulate-{n}", daemon=True)
        for n, sender in enumerate(senders, 1)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # wakes up for Ctrl-C
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        if not any(thread.is_alive() for thread in threads):
            for party in parties.values():
                party.client.close()
    tally = Tally(seconds=time.monotonic() - began)
    for sender in senders:
        for name in ("edoc", "status", "refusals", "revokes", "replacements"):
            setattr(tally, name, getattr(tally, name) + getattr(sender.tally, name))
        tally.deliveries_acknowledged += sender.tally.deliveries_acknowledged
    if failures:
        first = failures[0]
        if isinstance(first, HubClientError):
            raise SimulationError(f"the hub at {hub_url} refused or failed: {first}") from None
        raise first
    return tally


def _answers(hub_url: str) -> None:
    """One look at the hub's health before sending: a hub that is not there is said at once,
    not after each thread's client has retried with backoff."""
    import httpx

    url = f"{hub_url.rstrip('/')}/api/v1/health"
    try:
        response = httpx.get(url, timeout=10)
    except httpx.HTTPError as exc:
        raise SimulationError(f"the hub at {hub_url} does not answer ({exc})") from None
    if response.status_code != 200:
        raise SimulationError(
            f"the hub at {hub_url} is not healthy: {url} gave {response.status_code}"
        )


@functools.cache
def _pdf(type_name: str) -> bytes:
    """One PDF per document type: making a PDF (font subsetting) costs more than sending it."""
    return one_page_pdf("VĂN BẢN MÔ PHỎNG", "", type_name.upper())


def _short(code: str) -> str:
    return code.replace(".", "")[-5:]


def _answer(
    recipient: _Party,
    message: EdocMessage,
    codes: tuple[str, ...],
    tally: Tally,
    status: Callable[..., bytes],
) -> None:
    recipient.drain("edoc", tally)
    for code in codes:
        reason = _REFUSALS[len(message.subject) % len(_REFUSALS)] if code == "02" else ""
        recipient.client.submit(
            status(recipient.organization, message, StatusCode(code), recipient.key,
                   description=reason)
        )  # fmt: skip
        tally.status += 1
        tally.refusals += code == "02"


def _take_back(
    sender: _Party,
    message: EdocMessage,
    recipients: list[_Party],
    tally: Tally,
    status: Callable[..., bytes],
) -> None:
    sender.client.submit(
        status(sender.organization, message, StatusCode.TAKE_BACK, sender.key,
               description="Ban hành nhầm")
    )  # fmt: skip
    tally.status += 1
    tally.revokes += 1
    for recipient in recipients:
        recipient.drain("status", tally)
        recipient.client.submit(
            status(recipient.organization, message, StatusCode.AGREED, recipient.key)
        )
        tally.status += 1
