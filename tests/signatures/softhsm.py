"""An isolated SoftHSM2 token for tests: a real PKCS#11 module (Debian's ``softhsm2``) with a
signing key and its certificates on it, kept in a directory of its own.

SoftHSM finds its tokens through the file named by ``SOFTHSM2_CONF``, read when the module is
initialised; python-pkcs11 keeps one initialised module per path for the whole process. So
:func:`softhsm_token` sets the variable and re-initialises the module (closing any session other
code had open on it), and restores the variable on exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, ObjectClass
from pkcs11.util.rsa import decode_rsa_private_key

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SOFTHSM_UTIL = "softhsm2-util"


@dataclass(frozen=True)
class SoftHsmToken:
    """Where the test token is and how to open it."""

    module: Path
    conf: Path
    token_label: str
    pin: str
    so_pin: str
    key_label: str
    cert_label: str
    key_id: bytes


def softhsm_missing() -> str | None:
    """Why SoftHSM2 cannot be used here, or ``None`` when it can."""
    if not MODULE.exists():
        return f"SoftHSM2 is not installed ({MODULE} is missing; apt-get install softhsm2)"
    if shutil.which(SOFTHSM_UTIL) is None:
        return f"SoftHSM2 is not installed ({SOFTHSM_UTIL} is missing; apt-get install softhsm2)"
    return None


@contextmanager
def softhsm_token(
    directory: Path,
    *,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    ca_certificates: Sequence[x509.Certificate] = (),
    token_label: str = "lienthong-test",
    pin: str = "5678",
    so_pin: str = "1234",
    key_label: str = "lienthong-signer",
    cert_label: str = "lienthong-signer-cert",
) -> Iterator[SoftHsmToken]:
    """A fresh token in ``directory`` holding ``key`` and ``certificate`` (paired by one
    CKA_ID, labelled apart) and ``ca_certificates``; ``SOFTHSM2_CONF`` points at it meanwhile."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        init = [SOFTHSM_UTIL, "--init-token", "--free", "--label", token_label]
        subprocess.run([*init, "--so-pin", so_pin, "--pin", pin], check=True, capture_output=True)
        library = pkcs11.lib(str(MODULE))
        library.reinitialize()  # read the configuration just written
        key_id = b"\x01"
        with library.get_token(token_label=token_label).open(rw=True, user_pin=pin) as session:
            _import_key(session, key, key_label, key_id)
            _import_certificate(session, certificate, cert_label, key_id)
            for number, ca in enumerate(ca_certificates, start=2):
                _import_certificate(session, ca, f"ca-{number}", bytes([number]))
        yield SoftHsmToken(MODULE, conf, token_label, pin, so_pin, key_label, cert_label, key_id)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def _import_key(session: pkcs11.Session, key: rsa.RSAPrivateKey, label: str, key_id: bytes) -> None:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1, what python-pkcs11 decodes
        serialization.NoEncryption(),
    )
    attributes = decode_rsa_private_key(der)
    attributes |= {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.SIGN: True,
        Attribute.LABEL: label,
        Attribute.ID: key_id,
    }
    session.create_object(attributes)


def _import_certificate(
    session: pkcs11.Session, certificate: x509.Certificate, label: str, cert_id: bytes
) -> None:
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: label,
            Attribute.ID: cert_id,
            Attribute.SUBJECT: certificate.subject.public_bytes(),
            Attribute.ISSUER: certificate.issuer.public_bytes(),
            Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
        }
    )
