"""A real certificate chain (root → agency CA → agency), made once per test module."""

from __future__ import annotations

import pytest

from lienthong.edxml.signing_key import SigningKey
from lienthong.signatures.trust import ValidationPolicy

from .pki import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signing_key(pki: Pki) -> SigningKey:
    return SigningKey.from_pem(
        pki.leaf_key_path.read_bytes(),
        pki.leaf_cert_path.read_bytes(),
        pki.chain_path.read_bytes(),
    )


@pytest.fixture(scope="module")
def policy(pki: Pki) -> ValidationPolicy:
    return ValidationPolicy.from_pem([pki.root_pem_path.read_bytes()])
