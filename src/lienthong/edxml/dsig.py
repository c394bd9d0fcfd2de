"""Enveloped XML signatures on edXML messages (STANDARDS.md §2, *Signature*), in one pass.

The shape is the reference software's: one ``Signature`` (default xmldsig namespace, no prefix)
as the last child of ``edXMLHeader``, one ``Reference URI=""`` over the whole document with the
enveloped-signature transform (inclusive C14N 1.0), the signer's certificate then the chain in
``KeyInfo/X509Data``. New signatures are RSA-SHA256; SHA-1 is accepted on input as a policy
switch and reported as weak.

Both directions stream (:mod:`lienthong.edxml.scan`): the document is canonicalized and digested
as it is read, so a message with hundreds of megabytes of attachments is signed or verified in
memory bounded by a chunk. Why not SignXML, which DESIGN.md names: it holds and copies the whole
tree several times (≈ 4.7× a message's size), and lxml's C14N of SignedInfo in place adds a
spurious ``xmlns=""`` when the document's default namespace differs from the signature's —
which is every edXML message. SignXML stays in the test suite as an independent oracle.

Verification is strict about shape and wrapping-proof by construction: exactly one Signature in
the whole document, a child of the one ``edXMLHeader``, exactly one Reference to the whole
document with allowlisted transforms; and the model the caller gets is read from the very events
that were digested — never from a second parse — so what is verified is what is used.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ..signatures.trust import ValidationPolicy, validate_certificate
from .c14n import escape_attr
from .errors import (
    MalformedError,
    SignatureInvalidError,
    SignatureMissingError,
    SignatureUntrustedError,
    SignatureWeakError,
)
from .limits import DEFAULT_LIMITS, Limits
from .model import DSIG_NS
from .parse import ParseResult, local_name, read_scan
from .scan import C14N_METHODS, ENVELOPED, Scan, canonical_signed_info, scan
from .signing_key import RawSigner, SigningKey

C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# C14N 1.1 differs from 1.0 only in inherited xml:id/xml:base, which SignedInfo never has.
_SIGNED_INFO_C14N: Mapping[str, str] = {
    **{m: m for m in C14N_METHODS},
    "http://www.w3.org/2006/12/xml-c14n11": C14N_1_0,
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": C14N_1_0 + "#WithComments",
}
# Public-key methods only: an HMAC proves nothing about which agency signed; DSA is obsolete.
_SIGNATURE_METHODS: Mapping[str, tuple[str, str]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", "sha512"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ecdsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ecdsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("ecdsa", "sha512"),
}
_DIGEST_URIS: Mapping[str, str] = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
_DIGEST_NAMES = {uri: name for name, uri in _DIGEST_URIS.items()}
_HASHES: Mapping[str, hashes.HashAlgorithm] = {
    "sha1": hashes.SHA1(),  # noqa: S303 - accepted on input only, by policy, reported as weak
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified and chains to a trust anchor."""

    signer: x509.Certificate
    signer_subject: str
    chain: tuple[x509.Certificate, ...]
    signature_algorithm: str
    digest_algorithm: str
    weak: bool
    warnings: tuple[str, ...]
    revocation: str = "good"


@dataclass(frozen=True)
class VerifiedMessage:
    """A verified signature and the message read from exactly what was verified."""

    signature: VerifiedSignature
    parsed: ParseResult


# --- verification ----------------------------------------------------------------------------


def verify(
    message: bytes | BinaryIO,
    policy: ValidationPolicy,
    *,
    limits: Limits = DEFAULT_LIMITS,
    keep_encoded: bool = True,
) -> VerifiedMessage:
    """Verify a message's signature and read it, in one pass over the bytes.

    Raises :class:`SignatureMissingError`, :class:`SignatureInvalidError` (bad value, changed
    content, or a shape that could hide unsigned content), :class:`SignatureUntrustedError`
    (valid, but not chaining to an anchor at the validation time) or :class:`SignatureWeakError`
    (SHA-1 refused by the policy); :class:`MalformedError`, :class:`ForbiddenConstructError` or
    :class:`TooLargeError` for what cannot be read. With ``keep_encoded=False`` attachment
    contents are checked and measured but not kept.
    """
    result = scan(message, limits, keep_encoded=keep_encoded, digest=True)
    signature = _the_signature(result)
    shape = _Shape.read(signature, policy)
    certificates = _certificates(signature)
    signer = _signer_among(certificates)
    _check_digest(result, shape)
    _check_signature_value(result, signature, signer, shape)
    chain, revocation = _check_trust(signer, certificates, policy)
    verified = VerifiedSignature(
        signer=signer,
        signer_subject=signer.subject.rfc4514_string(),
        chain=chain,
        signature_algorithm=_fragment(shape.signature_uri),
        digest_algorithm=_fragment(shape.digest_uri),
        weak=shape.weak,
        warnings=shape.warnings,
        revocation=revocation,
    )
    return VerifiedMessage(verified, read_scan(result, limits))


def _check_trust(
    signer: x509.Certificate, certificates: list[x509.Certificate], policy: ValidationPolicy
) -> tuple[tuple[x509.Certificate, ...], str]:
    at = policy.moment()
    who = signer.subject.rfc4514_string()
    if at < signer.not_valid_before_utc:
        raise SignatureUntrustedError(
            f"the signer's certificate ({who}) is not valid before "
            f"{signer.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (checked at {at:%Y-%m-%d %H:%M} UTC)"
        )
    if at > signer.not_valid_after_utc:
        raise SignatureUntrustedError(
            f"the signer's certificate ({who}) expired on "
            f"{signer.not_valid_after_utc:%Y-%m-%d %H:%M} UTC (checked at {at:%Y-%m-%d %H:%M} UTC)"
        )
    others = [c for c in certificates if c is not signer]
    verdict = validate_certificate(signer, others, policy)
    if verdict.trusted:
        return verdict.chain, verdict.revocation
    if verdict.revocation == "revoked":
        raise SignatureUntrustedError(f"the signer's certificate ({who}) is revoked")
    if verdict.revocation == "unknown":
        raise SignatureUntrustedError(
            f"the revocation status of the signer's certificate ({who}) cannot be established "
            f"(revocation policy {policy.revocation}): {verdict.reason}"
        )
    raise SignatureUntrustedError(
        f"the signer's certificate ({who}, issued by {signer.issuer.rfc4514_string()}) does "
        f"not chain to a trust anchor: {verdict.reason}"
    )


def _fragment(uri: str) -> str:
    """``…xmldsig-more#rsa-sha256`` → ``rsa-sha256``, the short name people recognise."""
    return uri.rpartition("#")[2]


def _the_signature(result: Scan) -> etree._Element:
    if result.signatures_seen == 0:
        raise SignatureMissingError("the message carries no XML signature (no ds:Signature)")
    if result.signatures_seen > 1:
        raise SignatureInvalidError(
            f"the message carries {result.signatures_seen} Signature elements; exactly one is "
            "allowed, so that no unsigned copy can stand beside the signed content"
        )
    if result.signature is None or result.misplaced_signature:
        raise SignatureInvalidError(
            "the Signature must be a child of edXML/edXMLEnvelope/edXMLHeader"
        )
    root = result.root
    if local_name(root) != "edXML":
        raise SignatureInvalidError("the signed document is not an edXML message")
    for name in ("edXMLEnvelope", "edXMLHeader"):
        count = sum(1 for el in root.iter(etree.Element) if local_name(el) == name)
        if count != 1:
            raise SignatureInvalidError(
                f"the message has {count} {name} elements; a signed message has exactly one"
            )
    envelope = next((c for c in root if local_name(c) == "edXMLEnvelope"), None)
    if envelope is None or not any(local_name(c) == "edXMLHeader" for c in envelope):
        raise SignatureInvalidError(
            "the Signature must be a child of edXML/edXMLEnvelope/edXMLHeader"
        )
    return result.signature.element


def _ds(element: etree._Element, path: str) -> list[etree._Element]:
    return element.findall(path, namespaces={"ds": DSIG_NS})


def _algorithm(parent: etree._Element, path: str) -> str:
    found = _ds(parent, path)
    if len(found) != 1:
        raise SignatureInvalidError(f"expected exactly one {path.removeprefix('ds:')} element")
    return found[0].get("Algorithm") or ""


@dataclass(frozen=True)
class _Shape:
    """What SignedInfo declares, checked against the allowlist before any cryptography."""

    signed_info_c14n: str
    signature_uri: str
    key_type: str
    hash_name: str
    digest_uri: str
    digest_value: bytes
    weak: bool
    warnings: tuple[str, ...]

    @classmethod
    def read(cls, signature: etree._Element, policy: ValidationPolicy) -> _Shape:
        signed_infos = _ds(signature, "ds:SignedInfo")
        if len(signed_infos) != 1:
            raise SignatureInvalidError("the Signature must have exactly one SignedInfo")
        signed_info = signed_infos[0]
        c14n = _algorithm(signed_info, "ds:CanonicalizationMethod")
        if c14n not in _SIGNED_INFO_C14N:
            raise SignatureInvalidError(f"SignedInfo canonicalization {c14n} is not allowed")
        signature_uri = _algorithm(signed_info, "ds:SignatureMethod")
        if signature_uri not in _SIGNATURE_METHODS:
            raise SignatureInvalidError(f"signature method {signature_uri} is not supported")
        key_type, hash_name = _SIGNATURE_METHODS[signature_uri]

        references = _ds(signed_info, "ds:Reference")
        if len(references) != 1:
            raise SignatureInvalidError(
                f"SignedInfo has {len(references)} References; exactly one, over the whole "
                'document (URI=""), is allowed'
            )
        reference = references[0]
        uri = reference.get("URI")
        if uri != "":
            shown = "no URI" if uri is None else f'URI="{uri}"'
            raise SignatureInvalidError(
                f'the Reference has {shown}; only URI="" (the whole document) is accepted'
            )
        _check_transforms(
            [t.get("Algorithm") for t in _ds(reference, "ds:Transforms/ds:Transform")]
        )
        digest_uri = _algorithm(reference, "ds:DigestMethod")
        if digest_uri not in _DIGEST_NAMES:
            raise SignatureInvalidError(f"digest method {digest_uri} is not supported")
        values = _ds(reference, "ds:DigestValue")
        if len(values) != 1:
            raise SignatureInvalidError("the Reference must have exactly one DigestValue")
        digest_value = _b64(values[0].text, "the DigestValue")

        warnings: list[str] = []
        weak = hash_name == "sha1" or _DIGEST_NAMES[digest_uri] == "sha1"
        if weak:
            used = f"{_fragment(signature_uri)} with a {_fragment(digest_uri)} digest"
            if not policy.allow_sha1:
                raise SignatureWeakError(
                    f"the signature uses SHA-1 ({used}); the policy refuses it"
                )
            warnings.append(f"weak signature: SHA-1 is used ({used})")
        if _ds(signature, "ds:Object"):
            warnings.append(
                "the Signature carries Object elements; they are not signed and ignored"
            )
        return cls(
            _SIGNED_INFO_C14N[c14n],
            signature_uri,
            key_type,
            hash_name,
            digest_uri,
            digest_value,
            weak,
            tuple(warnings),
        )


def _check_transforms(algorithms: list[str | None]) -> None:
    for algorithm in algorithms:
        if algorithm != ENVELOPED and algorithm not in C14N_METHODS:
            raise SignatureInvalidError(
                f"transform {algorithm} is not allowed; only enveloped-signature and "
                "canonicalization are"
            )
    if algorithms.count(ENVELOPED) != 1:
        raise SignatureInvalidError("the Reference must use the enveloped-signature transform once")
    if len(algorithms) > 2:
        raise SignatureInvalidError("the Reference may use at most one canonicalization transform")


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (ValueError, binascii.Error):
        raise SignatureInvalidError(f"{what} is not valid base64") from None


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    texts = [el.text for el in _ds(signature, "ds:KeyInfo/ds:X509Data/ds:X509Certificate")]
    if not texts:
        raise SignatureInvalidError(
            "the Signature carries no X509Certificate in KeyInfo; the signer cannot be identified"
        )
    try:
        return [x509.load_der_x509_certificate(_b64(t, "a KeyInfo certificate")) for t in texts]
    except ValueError as exc:
        raise SignatureInvalidError(f"a certificate in KeyInfo cannot be read: {exc}") from None


def _signer_among(certificates: list[x509.Certificate]) -> x509.Certificate:
    # X509Data implies no order. The signer is the one certificate that issued none of the
    # others; if that is ambiguous, the first, as the reference software writes it.
    leaves = [
        c
        for c in certificates
        if not any(o is not c and o.issuer == c.subject for o in certificates)
    ]
    return leaves[0] if len(leaves) == 1 else certificates[0]


def _check_digest(result: Scan, shape: _Shape) -> None:
    expected_hash = _DIGEST_NAMES[shape.digest_uri]
    if result.digest is None or result.digest[1] != expected_hash:
        raise SignatureInvalidError("the document digest could not be computed as declared")
    if result.digest[2] != shape.digest_value:
        raise SignatureInvalidError(
            "the message was changed after it was signed (the document digest does not match)"
        )


def _check_signature_value(
    result: Scan, signature: etree._Element, signer: x509.Certificate, shape: _Shape
) -> None:
    values = _ds(signature, "ds:SignatureValue")
    if len(values) != 1:
        raise SignatureInvalidError("the Signature must have exactly one SignatureValue")
    value = _b64(values[0].text, "the SignatureValue")
    assert result.signature is not None
    signed_info = canonical_signed_info(result.signature, shape.signed_info_c14n)
    key = signer.public_key()
    algorithm = _HASHES[shape.hash_name]
    try:
        if shape.key_type == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed_info, padding.PKCS1v15(), algorithm)
        elif shape.key_type == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(value) // 2  # XML-DSig writes r || s, cryptography wants DER
            der = encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            key.verify(der, signed_info, ec.ECDSA(algorithm))
        else:
            method = _fragment(shape.signature_uri)
            raise SignatureInvalidError(
                f"the signer's key does not fit the signature method {method}"
            )
    except InvalidSignature:
        raise SignatureInvalidError(
            "the SignatureValue does not verify with the certificate in KeyInfo "
            f"({signer.subject.rfc4514_string()}): SignedInfo was changed or another key signed"
        ) from None


# --- signing ---------------------------------------------------------------------------------


def sign(
    message: bytes, key: RawSigner, *, sha1: bool = False, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """Sign an unsigned edXML message; return the signed bytes."""
    offset, signature = _signature_for(message, key, sha1=sha1, limits=limits)
    return message[:offset] + signature + message[offset:]


def sign_stream(
    source: BinaryIO,
    out: BinaryIO,
    key: RawSigner,
    *,
    sha1: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Sign a message read from a seekable stream into ``out``, in memory bounded by a chunk."""
    start = source.tell()
    offset, signature = _signature_for(source, key, sha1=sha1, limits=limits, start=start)
    source.seek(start)
    _copy(source, out, offset)
    out.write(signature)
    _copy(source, out, None)


def _copy(source: BinaryIO, out: BinaryIO, count: int | None) -> None:
    left = count
    while left is None or left > 0:
        chunk = source.read(1 << 20 if left is None else min(1 << 20, left))
        if not chunk:
            break
        out.write(chunk)
        if left is not None:
            left -= len(chunk)


def _signature_for(
    message: bytes | BinaryIO, key: RawSigner, *, sha1: bool, limits: Limits, start: int = 0
) -> tuple[int, bytes]:
    """Where the Signature goes (a byte offset) and its bytes, from one pass over the message.

    A message that already carries a Signature is refused rather than re-signed: replacing a
    sender's signature must be an explicit act, not a side effect.
    """
    hash_name = "sha1" if sha1 else "sha256"
    result = scan(message, limits, keep_encoded=False, digest=(C14N_1_0, hash_name))
    if result.signatures_seen:
        raise SignatureInvalidError(
            "the message already carries a Signature; refusing to sign it again "
            "(remove the existing signature first if replacing it is intended)"
        )
    read_scan(result, limits)  # an edXML message, or a typed error
    if result.encoding is not None and result.encoding.upper().replace("_", "-") not in (
        "UTF-8",
        "UTF8",
    ):
        raise MalformedError(f"only UTF-8 messages can be signed, not {result.encoding}")
    if result.header_end_offset is None or result.header_scope is None or result.digest is None:
        raise MalformedError("the message has no edXML/edXMLEnvelope/edXMLHeader to sign")
    if not _is_end_tag(message, start + result.header_end_offset):
        raise MalformedError("the edXMLHeader element is empty; there is nothing to sign")
    signature_uri = (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
        if sha1
        else "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    digest = base64.b64encode(result.digest[2]).decode()
    # SignedInfo is written in canonical form already; its canonical bytes differ from what is
    # written only by the namespaces in scope, which inclusive C14N renders on it.
    body = (
        f'<CanonicalizationMethod Algorithm="{C14N_1_0}"></CanonicalizationMethod>'
        f'<SignatureMethod Algorithm="{signature_uri}"></SignatureMethod>'
        f'<Reference URI=""><Transforms><Transform Algorithm="{ENVELOPED}"></Transform>'
        # Explicit, though it is the default: some verifiers (SignXML) would assume C14N 1.1.
        f'<Transform Algorithm="{C14N_1_0}"></Transform></Transforms>'
        f'<DigestMethod Algorithm="{_DIGEST_URIS[hash_name]}"></DigestMethod>'
        f"<DigestValue>{digest}</DigestValue></Reference>"
    )
    scope = {**result.header_scope, "": DSIG_NS}
    declarations = "".join(
        f' xmlns="{escape_attr(u)}"' if p == "" else f' xmlns:{p}="{escape_attr(u)}"'
        for p, u in sorted(scope.items())
        if p != "xml" and u
    )
    canonical = f"<SignedInfo{declarations}>{body}</SignedInfo>".encode()
    if not isinstance(key.certificate.public_key(), rsa.RSAPublicKey):
        raise SignatureInvalidError("edXML signatures are RSA; the signer's key is not an RSA key")
    value = key.sign_raw(canonical, hash_name)
    certificates = "".join(
        f"<X509Certificate>{base64.b64encode(c.public_bytes(Encoding.DER)).decode()}</X509Certificate>"
        for c in (key.certificate, *key.chain)
    )
    signature = (
        f'<Signature xmlns="{DSIG_NS}"><SignedInfo>{body}</SignedInfo>'
        f"<SignatureValue>{base64.b64encode(value).decode()}</SignatureValue>"
        f"<KeyInfo><X509Data>{certificates}</X509Data></KeyInfo></Signature>"
    )
    return result.header_end_offset, signature.encode()


def _is_end_tag(message: bytes | BinaryIO, offset: int) -> bool:
    if isinstance(message, bytes):
        return message[offset : offset + 2] == b"</"
    position = message.tell()
    try:
        message.seek(offset)
        return message.read(2) == b"</"
    finally:
        message.seek(position)


__all__ = [
    "RawSigner",
    "SigningKey",
    "ValidationPolicy",
    "VerifiedMessage",
    "VerifiedSignature",
    "sign",
    "sign_stream",
    "verify",
]
