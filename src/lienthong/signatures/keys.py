"""Signing keys: the one place that turns "where my key is" into a pyHanko signer.

Owns reading a key and its certificates from PEM/DER files, a PKCS#12 bundle or a PKCS#11 token
(the USB tokens Vietnamese CAs issue), each once per :func:`open_signer`, and turning every
failure into a :class:`~lienthong.signatures.errors.KeyError_` a clerk can act on.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cryptography.exceptions
import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute, KeyType, ObjectClass, TokenFlag
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .errors import KeyError_

PathLike = str | os.PathLike[str]
Secret = str | bytes


@dataclass(frozen=True)
class KeySource:
    """Where the signing key is: exactly one of a PKCS#12 file, a PEM/DER key with its
    certificate, or a PKCS#11 token.

    ``chain`` (CA certificates, issuer first) may accompany any form. With a token, the
    signer's certificate is read from the token unless ``cert`` gives it as a file. Without
    ``pkcs11_token`` the module's only token is used; without ``pkcs11_key_label`` the token's
    only signing key.
    """

    p12: Path | None = None
    p12_password: bytes | None = field(default=None, repr=False)
    key: Path | None = None
    cert: Path | None = None
    chain: Path | None = None
    key_password: bytes | None = field(default=None, repr=False)
    pkcs11_module: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: str | None = field(default=None, repr=False)
    pkcs11_key_label: str | None = None
    pkcs11_cert_label: str | None = None

    def __post_init__(self) -> None:
        forms = [
            name
            for name, given in (
                ("a PKCS#12 file", self.p12 is not None),
                ("a private key file", self.key is not None),
                ("a PKCS#11 token", self.pkcs11_module is not None),
            )
            if given
        ]
        if not forms:
            raise KeyError_(
                "no signing key was given: give a PKCS#12 file, a private key file with its "
                "certificate, or a PKCS#11 module (USB token)"
            )
        if len(forms) > 1:
            raise KeyError_(f"give one signing key only, not {' and '.join(forms)} together")
        if self.p12_password is not None and self.p12 is None:
            raise KeyError_("a PKCS#12 password was given without a PKCS#12 file")
        if self.key_password is not None and self.key is None:
            raise KeyError_("a private key password was given without a private key file")
        if self.key is not None and self.cert is None:
            raise KeyError_(f"the private key {self.key} needs its certificate file too")
        if self.cert is not None and self.p12 is not None:
            raise KeyError_(
                "a PKCS#12 file carries its own certificate; do not give a certificate file too"
            )
        token_options = (
            self.pkcs11_token,
            self.pkcs11_pin,
            self.pkcs11_key_label,
            self.pkcs11_cert_label,
        )
        if self.pkcs11_module is None and any(o is not None for o in token_options):
            raise KeyError_(
                "PKCS#11 token options (token, PIN, key or certificate label) were given "
                "without a PKCS#11 module"
            )
        if self.pkcs11_cert_label is not None and self.cert is not None:
            raise KeyError_("give the token certificate's label or a certificate file, not both")

    @classmethod
    def from_options(
        cls,
        *,
        p12: PathLike | None = None,
        p12_password: Secret | None = None,
        key: PathLike | None = None,
        cert: PathLike | None = None,
        chain: PathLike | None = None,
        key_password: Secret | None = None,
        pkcs11_module: PathLike | None = None,
        pkcs11_token: str | None = None,
        pkcs11_pin: str | None = None,
        pkcs11_key_label: str | None = None,
        pkcs11_cert_label: str | None = None,
    ) -> KeySource:
        """A key source from command-line or form options (strings accepted for paths and
        passwords; passwords are UTF-8). Raises :class:`KeyError_` unless exactly one form is
        given."""
        return cls(
            p12=_path(p12),
            p12_password=_secret(p12_password),
            key=_path(key),
            cert=_path(cert),
            chain=_path(chain),
            key_password=_secret(key_password),
            pkcs11_module=_path(pkcs11_module),
            pkcs11_token=pkcs11_token,
            pkcs11_pin=pkcs11_pin,
            pkcs11_key_label=pkcs11_key_label,
            pkcs11_cert_label=pkcs11_cert_label,
        )


def _path(value: PathLike | None) -> Path | None:
    return None if value is None else Path(value)


def _secret(value: Secret | None) -> bytes | None:
    return value.encode("utf-8") if isinstance(value, str) else value


@contextmanager
def open_signer(source: KeySource) -> Iterator[Signer]:
    """A pyHanko signer for ``source``, with its files read once; a PKCS#11 session is open
    while the block runs and closed on exit."""
    chain = _read_certificates(source.chain, "certificate chain") if source.chain else []
    if source.pkcs11_module is not None:
        with _token_signer(source, chain) as signer:
            yield signer
    elif source.p12 is not None:
        yield _p12_signer(source.p12, source.p12_password, chain)
    else:
        assert source.key is not None and source.cert is not None  # KeySource guarantees it
        yield _file_signer(source.key, source.cert, source.key_password, chain)


def signer_certificate(signer: Signer) -> x509.Certificate:
    """The certificate ``signer`` signs with, as a ``cryptography`` object (for reports)."""
    certificate = signer.signing_cert
    if certificate is None:
        raise KeyError_("the signer has no certificate")
    return x509.load_der_x509_certificate(certificate.dump())


# --- files ------------------------------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyError_(f"the {what} file does not exist: {path}") from None
    except OSError as exc:
        raise KeyError_(f"cannot read the {what} file {path}: {exc.strerror}") from None


def _read_certificates(path: Path, what: str) -> list[x509.Certificate]:
    """All certificates in a PEM file, or the one in a DER file."""
    data = _read(path, what)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise KeyError_(f"the {what} file {path} holds no readable certificate") from None


def _file_signer(
    key_path: Path, cert_path: Path, password: bytes | None, chain: list[x509.Certificate]
) -> Signer:
    data = _read(key_path, "private key")
    certificates = _read_certificates(cert_path, "certificate")
    key = _load_private_key(data, password, key_path)
    return _simple_signer(key, certificates[0], [*certificates[1:], *chain], key_path)


_KeyLoader = Callable[[bytes, bytes | None], PrivateKeyTypes]


def _load_private_key(data: bytes, password: bytes | None, path: Path) -> PrivateKeyTypes:
    load: _KeyLoader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        return load(data, password)
    except TypeError:
        if password is None:
            raise KeyError_(
                f"the private key {path} is protected by a password; give its password"
            ) from None
        # A password for a key that has none: the key is still the right one.
        return _load_private_key(data, None, path)
    except (ValueError, cryptography.exceptions.UnsupportedAlgorithm):
        if password is not None and _is_encrypted_key(data, load):
            raise KeyError_(f"wrong password for the private key {path}") from None
        raise KeyError_(f"the file {path} is not a private key this program can read") from None


def _is_encrypted_key(data: bytes, load: _KeyLoader) -> bool:
    try:
        load(data, None)
    except TypeError:
        return True
    except (ValueError, cryptography.exceptions.UnsupportedAlgorithm):
        return False
    return False


def _p12_signer(path: Path, password: bytes | None, chain: list[x509.Certificate]) -> Signer:
    data = _read(path, "PKCS#12")
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError, cryptography.exceptions.UnsupportedAlgorithm):
        if not _is_pfx(data):
            raise KeyError_(f"the file {path} is not a PKCS#12 (.p12/.pfx) file") from None
        if password is None:
            raise KeyError_(
                f"the PKCS#12 file {path} is protected by a password; give its password"
            ) from None
        raise KeyError_(
            f"wrong password for the PKCS#12 file {path} (or the file is damaged)"
        ) from None
    if key is None or certificate is None:
        raise KeyError_(f"the PKCS#12 file {path} holds no private key with its certificate")
    return _simple_signer(key, certificate, [*extra, *chain], path)


def _is_pfx(data: bytes) -> bool:
    try:
        return bool(asn1_pkcs12.Pfx.load(data, strict=True)["version"].native == "v3")
    except (ValueError, TypeError):
        return False


def _simple_signer(
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    where: Path,
) -> Signer:
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise KeyError_(
            f"the private key in {where} does not belong to the certificate "
            f"({certificate.subject.rfc4514_string()})"
        )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # pyhanko: untyped
    registry.register_multiple([_asn1(c) for c in chain])
    return SimpleSigner(
        signing_cert=_asn1(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=registry,
    )


def _spki(public_key: PublicKeyTypes) -> bytes:
    return bytes(
        public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


# --- PKCS#11 tokens ---------------------------------------------------------------------------


@contextmanager
def _token_signer(source: KeySource, chain: list[x509.Certificate]) -> Iterator[Signer]:
    assert source.pkcs11_module is not None
    module = source.pkcs11_module
    file_certificates = _read_certificates(source.cert, "certificate") if source.cert else []
    token = _find_token(_present_tokens(module), source.pkcs11_token, module)
    session = _open_session(token, source.pkcs11_pin)
    try:
        with _token_errors(token.label, module):
            key = _find_key(session, token.label, source.pkcs11_key_label)
            if file_certificates:
                certificate, chain = file_certificates[0], [*file_certificates[1:], *chain]
            else:
                certificate = _find_certificate(session, token.label, key, source.pkcs11_cert_label)
                chain = [*_issuers(certificate, _token_certificates(session)), *chain]
            if not _key_matches(key, certificate):
                raise KeyError_(
                    f"the key {_describe(key)} on the token '{token.label}' does not belong to "
                    f"the certificate ({certificate.subject.rfc4514_string()})"
                )
            label = _attribute(key, Attribute.LABEL)
            signer = PKCS11Signer(
                session,
                signing_cert=_asn1(certificate),
                ca_chain=[_asn1(c) for c in chain],
                key_label=label or None,
                key_id=None if label else _attribute(key, Attribute.ID),
            )
            # Load the key handle now, so a token problem surfaces here and not mid-signature.
            signer.signing_cert  # noqa: B018
        yield signer
    finally:
        with suppress(pkcs11.PKCS11Error):  # a token pulled out has no session left to close
            session.close()


def _present_tokens(module: Path) -> list[pkcs11.Token]:
    if not module.exists():
        raise KeyError_(f"the PKCS#11 module file does not exist: {module}")
    try:
        slots = pkcs11.lib(str(module)).get_slots(token_present=True)
    except pkcs11.PKCS11Error as exc:
        raise KeyError_(f"cannot load the PKCS#11 module {module}: {exc}") from None
    tokens = []
    for slot in slots:
        with suppress(pkcs11.PKCS11Error):  # pulled out meanwhile, or not a token we can read
            token = slot.get_token()
            if token.flags & TokenFlag.TOKEN_INITIALIZED:
                tokens.append(token)
    return tokens


def _find_token(tokens: list[pkcs11.Token], label: str | None, module: Path) -> pkcs11.Token:
    labels = ", ".join(f"'{t.label}'" for t in tokens) or "none"
    if label is None:
        if len(tokens) == 1:
            return tokens[0]
        if not tokens:
            raise KeyError_(f"no token is present in {module}: is the USB token plugged in?")
        raise KeyError_(f"several tokens are present ({labels}); choose one by its label")
    matching = [t for t in tokens if t.label == label]
    if not matching:
        raise KeyError_(f"no token labelled '{label}' is present (tokens present: {labels})")
    if len(matching) > 1:
        raise KeyError_(f"several tokens are labelled '{label}'; unplug the ones not in use")
    return matching[0]


def _open_session(token: pkcs11.Token, pin: str | None) -> pkcs11.Session:
    user_pin: object = pin
    if pin is None:
        if token.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH:
            user_pin = pkcs11.PROTECTED_AUTH  # the PIN is typed on the token's own keypad
        elif token.flags & TokenFlag.LOGIN_REQUIRED:
            raise KeyError_(f"the token '{token.label}' needs its PIN")
    try:
        return token.open(user_pin=user_pin)
    except pkcs11.PinIncorrect:
        raise KeyError_(f"wrong PIN for the token '{token.label}'") from None
    except pkcs11.UserAlreadyLoggedIn:
        # PKCS#11 login is per program, and closing a session logs the whole program out.
        raise KeyError_(
            f"the token '{token.label}' is already open for another signature in this program; "
            "try again when it has finished"
        ) from None
    except pkcs11.PKCS11Error as exc:
        raise KeyError_(_token_failure(token.label, exc)) from None


@contextmanager
def _token_errors(token_label: str, module: Path) -> Iterator[None]:
    try:
        yield
    except pkcs11.PKCS11Error as exc:
        raise KeyError_(_token_failure(token_label, exc, module)) from None


def _token_failure(token_label: str, exc: Exception, module: Path | None = None) -> str:
    if isinstance(exc, pkcs11.PinLocked):
        return (
            f"the token '{token_label}' is locked after too many wrong PINs; "
            "its certification authority can unlock it"
        )
    if isinstance(exc, pkcs11.PinExpired):
        return f"the PIN of the token '{token_label}' has expired; change it with the CA's tool"
    if isinstance(exc, pkcs11.PinLenRange | pkcs11.PinInvalid):
        return f"the PIN for the token '{token_label}' has the wrong length or characters"
    if isinstance(exc, pkcs11.TokenNotPresent | pkcs11.DeviceRemoved):
        return f"the token '{token_label}' was removed"
    where = f" ({module})" if module else ""
    detail = f": {exc}" if str(exc) else ""
    return f"the token '{token_label}'{where} failed: {type(exc).__name__}{detail}"


def _find_key(session: pkcs11.Session, token_label: str, key_label: str | None) -> pkcs11.Object:
    # The same query PKCS11Signer uses, so the key found here is the key it signs with.
    keys = list(
        session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.SIGN: True})
    )
    if key_label is not None:
        matching = [k for k in keys if _attribute(k, Attribute.LABEL) == key_label]
        if len(matching) == 1:
            return matching[0]
        if matching:
            raise KeyError_(f"several keys on the token '{token_label}' are labelled '{key_label}'")
        present = ", ".join(_describe(k) for k in keys) or "none"
        raise KeyError_(
            f"the token '{token_label}' holds no signing key labelled '{key_label}' "
            f"(signing keys on it: {present})"
        )
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise KeyError_(f"the token '{token_label}' holds no signing key")
    present = ", ".join(_describe(k) for k in keys)
    raise KeyError_(
        f"the token '{token_label}' holds several signing keys ({present}); choose one by its label"
    )


def _find_certificate(
    session: pkcs11.Session, token_label: str, key: pkcs11.Object, cert_label: str | None
) -> x509.Certificate:
    if cert_label is not None:
        queries = [{Attribute.LABEL: cert_label}]
        missing = f"the token '{token_label}' holds no certificate labelled '{cert_label}'"
    else:
        # Tokens pair a key with its certificate by a shared CKA_ID, some only by label.
        queries = [
            {attribute: value}
            for attribute in (Attribute.ID, Attribute.LABEL)
            if (value := _attribute(key, attribute))
        ]
        missing = (
            f"the token '{token_label}' holds no certificate for the key {_describe(key)}; "
            "give the certificate's label or a certificate file"
        )
    for query in queries:
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **query}))
        if len(found) > 1:
            raise KeyError_(
                f"several certificates on the token '{token_label}' match the key; "
                "give the certificate's label"
            )
        if found:
            try:
                return x509.load_der_x509_certificate(bytes(found[0][Attribute.VALUE]))
            except ValueError:
                raise KeyError_(
                    f"the certificate for the key {_describe(key)} on the token "
                    f"'{token_label}' is damaged"
                ) from None
    raise KeyError_(missing)


def _token_certificates(session: pkcs11.Session) -> list[x509.Certificate]:
    certificates = []
    for found in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        with suppress(ValueError):  # an unreadable certificate cannot be in the chain anyway
            certificates.append(x509.load_der_x509_certificate(bytes(found[Attribute.VALUE])))
    return certificates


def _issuers(
    certificate: x509.Certificate, candidates: list[x509.Certificate]
) -> list[x509.Certificate]:
    """The CA certificates among ``candidates`` above ``certificate``, issuer first: tokens
    often hold other people's certificates too, which must not travel in the signature."""
    chain: list[x509.Certificate] = []
    current = certificate
    while current.issuer != current.subject:
        issuer = next(
            (c for c in candidates if c.subject == current.issuer and c not in chain), None
        )
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


def _key_matches(key: pkcs11.Object, certificate: x509.Certificate) -> bool:
    # Only an RSA private key object exposes its public half on every token; others pass here
    # and would fail at signing time.
    public = certificate.public_key()
    if _attribute(key, Attribute.KEY_TYPE) != KeyType.RSA:
        return True
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    modulus = _attribute(key, Attribute.MODULUS)
    return modulus is None or int.from_bytes(modulus, "big") == public.public_numbers().n


def _attribute(obj: pkcs11.Object, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except (pkcs11.AttributeTypeInvalid, pkcs11.AttributeSensitive, NotImplementedError):
        return None


def _describe(key: pkcs11.Object) -> str:
    label = _attribute(key, Attribute.LABEL)
    if label:
        return f"'{label}'"
    key_id = _attribute(key, Attribute.ID)
    return f"with id {bytes(key_id).hex()}" if key_id else "without label"


# --- edXML signing through the same sources ---------------------------------------------------


class RawTokenSigner:
    """Any pyHanko signer (a PKCS#11 token included) as an edXML ``RawSigner``."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer
        self.certificate = signer_certificate(signer)
        registry = signer.cert_registry
        others = [] if registry is None else list(registry)
        self.chain = tuple(
            x509.load_der_x509_certificate(c.dump())
            for c in others
            if c.dump() != self.certificate.public_bytes(serialization.Encoding.DER)
        )

    def sign_raw(self, data: bytes, hash_name: str) -> bytes:
        return bytes(asyncio.run(self._signer.async_sign_raw(data, hash_name)))
