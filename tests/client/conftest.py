"""One real hub server for the client's tests, and per test a fresh set of agencies and systems
on it, so that one test's inbox never holds another's deliveries."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lienthong.client import HubClient
from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Code
from lienthong.edxml.signing_key import SigningKey

from ..edxml.pki import Pki, make_pki
from .hub_server import Credentials, add_trust_anchor, migrate, register, serving


@dataclass(frozen=True)
class Hub:
    url: str
    data_dir: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Hub]:
    data_dir = tmp_path_factory.mktemp("hub")
    migrate(data_dir)
    add_trust_anchor(data_dir, pki.root_pem_path)
    with serving(data_dir) as url:
        yield Hub(url, data_dir)


@pytest.fixture(scope="session")
def agency_key(pki: Pki) -> SigningKey:
    return SigningKey.from_pem(
        pki.leaf_key_path.read_bytes(), pki.leaf_cert_path.read_bytes(), pki.chain_path.read_bytes()
    )


@dataclass(frozen=True)
class Network:
    """The Government Office's system; one provincial system hosting Nghệ An and Hà Nội; Huế's
    system. Codes are fresh per test (level-2 units numbered by the test)."""

    hub: Hub
    gov_office: str
    nghe_an: str
    ha_noi: str
    hue: str
    sender: Credentials
    receiver: Credentials
    outsider: Credentials

    def client(self, credentials: Credentials, **options: Any) -> HubClient:
        options = {"backoff": 0.05, "max_backoff": 0.2, **options}
        return HubClient(self.hub.url, credentials.client_id, credentials.client_secret, **options)


class _Networks:
    """Registers networks a batch at a time (one Django start-up per batch, not per test)."""

    batch = 10

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.numbers = itertools.count(1)
        self.ready: list[Network] = []

    def take(self) -> Network:
        if not self.ready:
            self.ready = self._register([next(self.numbers) for _ in range(self.batch)])
        return self.ready.pop(0)

    def _register(self, numbers: list[int]) -> list[Network]:
        agencies: dict[str, str] = {}
        systems: dict[str, list[str]] = {}
        for n in numbers:
            codes = _codes(n)
            agencies |= {
                codes["G22"]: "Văn phòng Chính phủ",
                codes["H41"]: "UBND tỉnh Nghệ An",
                codes["H01"]: "UBND thành phố Hà Nội",
                codes["H46"]: "UBND thành phố Huế",
            }
            systems |= {
                f"vpcp-{n}": [codes["G22"]],
                f"tinh-{n}": [codes["H41"], codes["H01"]],
                f"hue-{n}": [codes["H46"]],
            }
        created = register(self.hub.data_dir, agencies, systems)
        return [
            Network(
                self.hub,
                _codes(n)["G22"],
                _codes(n)["H41"],
                _codes(n)["H01"],
                _codes(n)["H46"],
                created[f"vpcp-{n}"],
                created[f"tinh-{n}"],
                created[f"hue-{n}"],
            )
            for n in numbers
        ]


def _codes(n: int) -> dict[str, str]:
    return {unit: f"000.00.{n:02d}.{unit}" for unit in ("G22", "H41", "H01", "H46")}


@pytest.fixture(scope="session")
def _networks(hub: Hub) -> _Networks:
    return _Networks(hub)


@pytest.fixture
def network(_networks: _Networks) -> Network:
    return _networks.take()


@pytest.fixture
def sender(network: Network) -> Iterator[HubClient]:
    with network.client(network.sender) as client:
        yield client


@pytest.fixture
def receiver(network: Network) -> Iterator[HubClient]:
    with network.client(network.receiver) as client:
        yield client


def document(
    key: SigningKey,
    network: Network,
    *,
    to: tuple[str, ...] | None = None,
    number: str = "15",
    subject: str = "Về việc triển khai văn bản điện tử",
) -> bytes:
    """A signed document from the Government Office, by default to Nghệ An and Hà Nội."""
    message = new_edoc(
        sender=Organization(network.gov_office, organ_name="Văn phòng Chính phủ"),
        recipients=[Organization(code) for code in (to or (network.nghe_an, network.ha_noi))],
        subject=subject,
        code=Code(number, "VPCP-TTĐT"),
        type_name="Công văn",
        files=[NewFile("cong-van.pdf", "application/pdf", b"%PDF-1.7 " + number.encode())],
    )
    return sign(build(message), key)
