"""Three connected systems, each with its VXP client (systemid + secret) and its /api/v1
caller: the Government Office's, the one hosting Nghệ An and Hà Nội, and Huế's."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from lienthong.hub.registry import services as registry
from lienthong.hub.registry.trust import forget_policy

from ...edxml.pki import Pki
from ..conftest import GOV_OFFICE, HA_NOI, HUE, NGHE_AN, Caller, token_for
from .sdk import Sdk, django_transport


@dataclass
class Party:
    name: str
    client_id: str
    secret: str
    api: Caller

    def sdk(self, *, sign_kept: bool = True) -> Sdk:
        """A new VXP client object (the SDK keeps headers per object)."""
        return Sdk(django_transport(Client()), self.client_id, self.secret, sign_kept=sign_kept)


@dataclass
class Parties:
    sender: Party  # the Government Office's system
    receiver: Party  # Nghệ An's and Hà Nội's system
    outsider: Party  # Huế's system


@pytest.fixture
def parties(db: None, pki: Pki) -> Parties:
    registry.add_agency(GOV_OFFICE, "Văn phòng Chính phủ")
    registry.add_agency(NGHE_AN, "UBND tỉnh Nghệ An")
    registry.add_agency(HA_NOI, "UBND thành phố Hà Nội")
    registry.add_agency(HUE, "UBND thành phố Huế")
    registry.add_trust_anchor(pki.root_pem_path.read_bytes())
    forget_policy()
    found = []
    for name, codes in (("vpcp", [GOV_OFFICE]), ("tinh", [NGHE_AN, HA_NOI]), ("hue", [HUE])):
        created = registry.add_system(name, codes)
        token = token_for(created.client_id, created.client_secret)
        found.append(Party(name, created.client_id, created.client_secret, Caller(Client(), token)))
    return Parties(*found)
