"""edXML signatures are judged by the same trust and revocation policy as PDF signatures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lienthong.edxml.dsig import sign as sign_edxml
from lienthong.edxml.dsig import verify
from lienthong.edxml.errors import SignatureUntrustedError
from lienthong.signatures import testpki
from lienthong.signatures.keys import KeySource, RawTokenSigner, open_signer
from lienthong.signatures.trust import ValidationPolicy

from ..edxml.test_dsig import EDOC


@dataclass
class Served:
    info: testpki.PkiInfo
    directory: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("pki") / "pki"
    testpki.init_pki(directory, port=0)
    with testpki.serving(directory) as info:
        yield Served(info, directory)


def _signed_by_new_agency(served: Served, code: str) -> tuple[bytes, testpki.Credential]:
    credential = testpki.issue_agency(served.directory, code=code, name="UBND tỉnh thử nghiệm")
    source = KeySource.from_options(p12=credential.p12, p12_password=credential.p12_password)
    with open_signer(source) as signer:
        return sign_edxml(EDOC, RawTokenSigner(signer)), credential


def test_a_good_agency_certificate_is_trusted_after_an_ocsp_check(served: Served) -> None:
    signed, _ = _signed_by_new_agency(served, "000.00.00.H41")
    policy = ValidationPolicy.from_paths([served.info.root], revocation="hard-fail")
    verified = verify(signed, policy)
    assert verified.signature.revocation == "good"
    assert testpki.agency_code_of(verified.signature.signer) == "000.00.00.H41"


def test_a_revoked_agency_certificate_makes_the_message_untrusted(served: Served) -> None:
    signed, credential = _signed_by_new_agency(served, "000.00.00.H42")
    testpki.revoke(served.directory, credential.cert)
    policy = ValidationPolicy.from_paths([served.info.root], revocation="hard-fail")
    with pytest.raises(SignatureUntrustedError, match="revoked"):
        verify(signed, policy)


def test_with_responders_unreachable_hard_fail_refuses_and_soft_fail_accepts(
    served: Served, tmp_path: Path
) -> None:
    signed, _ = _signed_by_new_agency(served, "000.00.00.H43")
    offline = ValidationPolicy.from_paths([served.info.root], revocation="hard-fail", fetch=False)
    with pytest.raises(SignatureUntrustedError, match="revocation status"):
        verify(signed, offline)
    lenient = ValidationPolicy.from_paths([served.info.root], revocation="soft-fail", fetch=False)
    assert verify(signed, lenient).signature.revocation == "not-checked"
