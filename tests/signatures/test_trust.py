"""One trust policy: anchors from files or folders, path validation, and the verdict cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lienthong.signatures.trust import (
    TrustError,
    ValidationPolicy,
    VerdictCache,
    validate_certificate,
)

from ..edxml.pki import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_anchors_are_read_from_a_folder(pki: Pki, tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(pki.root_pem_path.read_bytes())
    (tmp_path / "other.pem").write_bytes(make_pki(tmp_path / "x").root.cert_pem())
    assert len(ValidationPolicy.from_paths([tmp_path]).anchors) == 2


def test_no_anchor_at_all_is_a_trust_error(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="no trust anchor"):
        ValidationPolicy.from_paths([tmp_path])


def test_a_file_that_is_not_a_certificate_is_a_trust_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustError, match="cannot read"):
        ValidationPolicy.from_paths([junk])


def test_an_unknown_revocation_mode_is_refused(pki: Pki) -> None:
    with pytest.raises(TrustError, match="revocation mode"):
        ValidationPolicy((pki.root.cert,), revocation="maybe")  # type: ignore[arg-type]


def test_a_signer_under_the_anchor_is_trusted_with_its_chain(pki: Pki) -> None:
    verdict = validate_certificate(
        pki.leaf.cert, [pki.intermediate.cert], ValidationPolicy((pki.root.cert,))
    )
    assert verdict.trusted
    assert verdict.chain == (pki.leaf.cert, pki.intermediate.cert, pki.root.cert)


def test_a_missing_intermediate_can_come_from_the_policy(pki: Pki) -> None:
    policy = ValidationPolicy((pki.root.cert,), intermediates=(pki.intermediate.cert,))
    assert validate_certificate(pki.leaf.cert, [], policy).trusted


def test_a_signer_under_another_root_is_not_trusted(pki: Pki, tmp_path: Path) -> None:
    stranger = make_pki(tmp_path)
    verdict = validate_certificate(
        stranger.leaf.cert, [stranger.intermediate.cert], ValidationPolicy((pki.root.cert,))
    )
    assert not verdict.trusted
    assert verdict.reason


def test_the_cache_answers_a_second_check_of_the_same_signer(pki: Pki) -> None:
    policy = ValidationPolicy((pki.root.cert,), cache=VerdictCache(ttl=60))
    first = validate_certificate(pki.leaf.cert, [pki.intermediate.cert], policy)
    assert validate_certificate(pki.leaf.cert, [pki.intermediate.cert], policy) is first


def test_cached_verdicts_expire(pki: Pki) -> None:
    policy = ValidationPolicy((pki.root.cert,), cache=VerdictCache(ttl=0))
    first = validate_certificate(pki.leaf.cert, [pki.intermediate.cert], policy)
    assert validate_certificate(pki.leaf.cert, [pki.intermediate.cert], policy) is not first


def test_a_check_at_a_fixed_moment_never_uses_the_cache(pki: Pki) -> None:
    live = ValidationPolicy((pki.root.cert,), cache=VerdictCache())
    first = validate_certificate(pki.leaf.cert, [pki.intermediate.cert], live)
    fixed = replace(live, at=pki.leaf.cert.not_valid_before_utc)
    assert validate_certificate(pki.leaf.cert, [pki.intermediate.cert], fixed) is not first


def test_a_signer_without_a_key_usage_extension_may_sign(tmp_path: Path) -> None:
    # RFC 5280: no KeyUsage extension means no restriction on what the key is used for.
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)

    def certificate(name: str, issuer: str, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
        return builder.sign(key, hashes.SHA256())

    root = certificate("Gốc", "Gốc", True)
    leaf = certificate("Cơ quan", "Gốc", False)
    assert validate_certificate(leaf, [], ValidationPolicy((root,))).trusted
