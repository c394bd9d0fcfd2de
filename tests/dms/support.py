"""Helpers that need the dms's Django apps (imported by fixtures and tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lienthong.dms.agencies.models import Agency, User
from lienthong.dms.agencies.services import create_agency, create_user, edxml_key
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.incoming.receive import store_edoc

from .documents import signed_edoc
from .pki import RECIPIENT, RECIPIENT_NAME, SENDER, SENDER_NAME, ServedPki

PASSWORD = "mat-khau-123"


@dataclass
class Office:
    agency: Agency
    clerk: User
    leader: User
    head: User
    specialist: User
    colleague: User
    archivist: User
    p12_password: str


@dataclass
class Offices:
    sender: Office
    recipient: Office


def host_office(
    pki: ServedPki, code: str, name: str, *, hub_url: str, client_id: str, client_secret: str
) -> Office:
    credential = pki.agencies[code]
    person = pki.persons[code]
    agency = create_agency(
        code,
        name=name,
        hub_url=hub_url,
        client_id=client_id,
        client_secret=client_secret,
        notation="UBND",
        signing_p12=Path(credential.p12),
        signing_p12_password=credential.p12_password,
    )
    prefix = code.rsplit(".", 1)[-1].lower()

    def user(role: str, suffix: str = "", **extra: Any) -> User:
        return create_user(
            f"{prefix}-{role}{suffix}", agency=agency, role=role, password=PASSWORD, **extra
        )

    return Office(
        agency=agency,
        clerk=user("clerk", full_name="Lê Thị Văn Thư"),
        leader=user(
            "leader",
            full_name="Lãnh Đạo",
            position="Phó Chủ tịch",
            signing_p12=Path(person.p12),
        ),
        head=user("head", full_name="Trưởng Phòng"),
        specialist=user("specialist", full_name="Chuyên Viên Một"),
        colleague=user("specialist", "2", full_name="Chuyên Viên Hai"),
        archivist=user("archivist"),
        p12_password=person.p12_password,
    )


def host_offices(
    pki: ServedPki, *, hub_url: str, credentials: dict[str, tuple[str, str]]
) -> Offices:
    def office(code: str, name: str) -> Office:
        client_id, secret = credentials.get(code, ("client", "secret"))
        return host_office(
            pki, code, name, hub_url=hub_url, client_id=client_id, client_secret=secret
        )

    return Offices(office(SENDER, SENDER_NAME), office(RECIPIENT, RECIPIENT_NAME))


def arrive(
    offices: Offices, *, number: str = "15", message_id: str = "", **options: Any
) -> IncomingDocument:
    """A document from the sender office arriving at the recipient office, as the worker stores
    it (without a hub: the message is handed over directly)."""
    data = signed_edoc(
        edxml_key(offices.sender.agency), sender=SENDER, to=(RECIPIENT,), number=number, **options
    )
    store_edoc(offices.recipient.agency, message_id or f"msg-{number}", data)
    return IncomingDocument.objects.get(
        agency=offices.recipient.agency, hub_message_id=message_id or f"msg-{number}"
    )


@dataclass
class Network:
    hub: Any  # tests.hub.live.LiveHub
    offices: Offices


@dataclass
class HubTemplate:
    """A stopped hub set up once per test session — migrated, with the two agencies, one
    connected system each (``credentials``), trusting the test PKI — that each test's hub
    starts as a copy of."""

    hub: Any  # tests.hub.live.Hub
    credentials: dict[str, tuple[str, str]]


@contextmanager
def hub_template(pki: ServedPki, data_dir: Path) -> Iterator[HubTemplate]:
    from tests.hub.live import hub_instance

    with hub_instance(data_dir) as hub:
        hub.ok("agency", "add", SENDER, "--name", SENDER_NAME)
        hub.ok("agency", "add", RECIPIENT, "--name", RECIPIENT_NAME)
        hub.ok("trust", "add", str(pki.root))
        credentials = {}
        for code, name in ((SENDER, "ha-nam"), (RECIPIENT, "nghe-an")):
            system = hub.ok("system", "add", name, "--agency", code)
            credentials[code] = (system["client_id"], system["client_secret"])
        yield HubTemplate(hub, credentials)


@contextmanager
def hub_network(
    template: HubTemplate, data_dir: Path
) -> Iterator[tuple[Any, dict[str, tuple[str, str]]]]:
    """A real hub server of its own, a copy of the session's ``template``, and the two
    connected systems' credentials."""
    from tests.hub.live import live_hub

    with live_hub(data_dir, template=template.hub) as hub:
        yield hub, template.credentials


@contextmanager
def live_network(pki: ServedPki, template: HubTemplate, data_dir: Path) -> Iterator[Network]:
    with hub_network(template, data_dir) as (hub, credentials):
        yield Network(hub, host_offices(pki, hub_url=hub.base_url, credentials=credentials))
