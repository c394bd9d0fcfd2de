"""A hub with agencies, connected systems and a trust anchor, on the test database."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import Code
from lienthong.edxml.signing_key import SigningKey
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.trust import forget_policy

from ..edxml.pki import Pki, make_pki
from ..seaweedfs import seaweedfs  # noqa: F401 - the fixture, for this folder's tests

GOV_OFFICE = "000.00.00.G22"
NGHE_AN = "000.00.00.H41"
HA_NOI = "000.00.00.H01"
HUE = "000.00.00.H46"


@pytest.fixture(autouse=True)
def _hub_data_dir(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, data_dir=tmp_path / "hub")
    # Client secrets are hashed like passwords; the slow production hasher only costs time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    forget_policy()
    yield
    forget_policy()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def agency_key(pki: Pki) -> SigningKey:
    return SigningKey.from_pem(
        pki.leaf_key_path.read_bytes(), pki.leaf_cert_path.read_bytes(), pki.chain_path.read_bytes()
    )


@dataclass
class Caller:
    """A connected system calling the API with its bearer token."""

    client: Client
    token: str

    def _auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def submit(self, data: bytes) -> Any:
        return self.client.post(
            "/api/v1/messages", data, content_type="application/xml", **self._auth()
        )

    def get(self, path: str) -> Any:
        return self.client.get(path, **self._auth())

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, body, content_type="application/json", **self._auth())


def token_for(client_id: str, secret: str) -> str:
    response = Client().post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


@dataclass
class Network:
    sender: Caller  # the Government Office's system
    receiver: Caller  # Nghệ An's and Hà Nội's system (one install, two agencies)
    outsider: Caller  # Huế's system


@pytest.fixture
def network(db: None, pki: Pki) -> Network:
    registry.add_agency(GOV_OFFICE, "Văn phòng Chính phủ")
    registry.add_agency(NGHE_AN, "UBND tỉnh Nghệ An")
    registry.add_agency(HA_NOI, "UBND thành phố Hà Nội")
    registry.add_agency(HUE, "UBND thành phố Huế")
    registry.add_trust_anchor(pki.root_pem_path.read_bytes())
    forget_policy()
    callers = []
    for name, codes in (("vpcp", [GOV_OFFICE]), ("tinh", [NGHE_AN, HA_NOI]), ("hue", [HUE])):
        created = registry.add_system(name, codes)
        callers.append(Caller(Client(), token_for(created.client_id, created.client_secret)))
    return Network(*callers)


def document(
    key: SigningKey,
    *,
    to: tuple[str, ...] = (NGHE_AN, HA_NOI),
    number: str = "15",
    subject: str = "Về việc triển khai văn bản điện tử",
    sender: str = GOV_OFFICE,
) -> bytes:
    message = new_edoc(
        sender=Organization(sender, organ_name="Văn phòng Chính phủ"),
        recipients=[Organization(code) for code in to],
        subject=subject,
        code=Code(number, "VPCP-TTĐT"),
        type_name="Công văn",
        files=[NewFile("cong-van.pdf", "application/pdf", b"%PDF-1.7 " + number.encode())],
    )
    return sign(build(message), key)
