"""Receipts the hub signs for every accepted message, checkable offline with the hub certificate.

A receipt is JSON: ``{"data": {...}, "algorithm": "rsa-pss-sha256", "signature": base64}``; the
signature covers the canonical JSON of ``data`` (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

ALGORITHM = "rsa-pss-sha256"
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class HubIdentity:
    """The hub's own key and certificate (made on first use in the data directory)."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def sign(self, data: dict[str, Any]) -> dict[str, Any]:
        signature = self.key.sign(canonical(data), _PSS, hashes.SHA256())
        return {
            "data": data,
            "algorithm": ALGORITHM,
            "signature": base64.b64encode(signature).decode(),
        }


def verify_receipt(receipt: dict[str, Any], certificate: x509.Certificate) -> bool:
    """True if ``receipt`` was signed by the hub holding ``certificate`` and is unchanged."""
    if receipt.get("algorithm") != ALGORITHM or not isinstance(receipt.get("data"), dict):
        return False
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        signature = base64.b64decode(str(receipt.get("signature", "")), validate=True)
        public_key.verify(signature, canonical(receipt["data"]), _PSS, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


_lock = threading.Lock()
_cache: dict[Path, HubIdentity] = {}


def hub_identity(directory: Path) -> HubIdentity:
    """Load (or create once) the hub's key and self-signed certificate under ``directory``."""
    with _lock:
        if directory in _cache:
            return _cache[directory]
        key_path, cert_path = directory / "hub-key.pem", directory / "hub-cert.pem"
        if not key_path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name(
                [x509.NameAttribute(NameOID.COMMON_NAME, "Trục liên thông (lienthong)")]
            )
            now = dt.datetime.now(dt.UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=3650))
                .sign(key, hashes.SHA256())
            )
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            key_path.chmod(0o600)
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        loaded_key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(loaded_key, rsa.RSAPrivateKey)
        identity = HubIdentity(loaded_key, x509.load_pem_x509_certificate(cert_path.read_bytes()))
        _cache[directory] = identity
        return identity
