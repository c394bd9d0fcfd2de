"""The secret a VXP client signs with is the system's OAuth client secret: the hub keeps it
encrypted at rest (key derived from SECRET_KEY), next to the hash the OAuth server checks."""

from __future__ import annotations

from typing import Any

from django.test import Client

from lienthong.hub.registry import services as registry
from lienthong.hub.registry.models import ConnectedSystem

from ..conftest import token_for
from .conftest import Parties
from .sdk import Sdk, django_transport


def test_the_secret_is_kept_encrypted_not_in_clear(parties: Parties) -> None:
    system = ConnectedSystem.objects.select_related("application").get(name="vpcp")
    assert parties.sender.secret not in system.client_secret_sealed
    assert parties.sender.secret != system.application.client_secret  # hashed
    assert system.client_secret() == parties.sender.secret


def test_another_secret_key_cannot_open_it(parties: Parties, settings: Any) -> None:
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "another key altogether, fifty characters long or more......"
    assert ConnectedSystem.objects.get(name="vpcp").client_secret() is None
    assert parties.sender.sdk().count_edoc()["ErrorCode"] == "101"
    settings.SECRET_KEY_FALLBACKS = [old]  # a rotated SECRET_KEY keeps the old one as fallback
    assert parties.sender.sdk().count_edoc()["status"] == "OK"


def test_a_system_without_a_sealed_secret_is_told_to_get_one_reissued(parties: Parties) -> None:
    ConnectedSystem.objects.filter(name="vpcp").update(client_secret_sealed="")
    answer = parties.sender.sdk().count_edoc()
    assert answer["ErrorCode"] == "101"
    assert "reissue" in answer["ErrorDesc"]


def test_a_reissued_secret_replaces_the_old_one_at_both_doors(parties: Parties) -> None:
    reissued = registry.reissue_client_secret("vpcp")
    assert reissued.client_id == parties.sender.client_id
    assert reissued.client_secret != parties.sender.secret

    assert parties.sender.sdk().count_edoc()["ErrorCode"] == "102"
    fresh = Sdk(django_transport(Client()), reissued.client_id, reissued.client_secret)
    assert fresh.count_edoc()["status"] == "OK"
    assert parties.sender.api.get("/api/v1/inbox").status_code == 401  # old tokens revoked
    token_for(reissued.client_id, reissued.client_secret)
