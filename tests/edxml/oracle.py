"""An independent XML-DSig implementation to check ours against: SignXML (+ lxml's C14N).

Two fixes make it a fair judge of edXML signatures: its parser accepts large text nodes, and an
element is canonicalized as a document of its own (lxml canonicalizes a non-root element in a
default namespace with a spurious ``xmlns=""`` on its grandchildren, which breaks every
SignedInfo of a real edXML message; SignXML issue 275).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.algorithms import SignatureConstructionMethod as Construction
from signxml.processor import XMLSignatureProcessor
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from lienthong.edxml.model import DSIG_NS
from lienthong.edxml.signing_key import SigningKey


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, recover=True)


class _Fixed(XMLSignatureProcessor):
    @property
    def parser(self) -> etree.XMLParser:
        return _parser()

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> bytes:
        items = nodes if isinstance(nodes, list) else [nodes]
        rooted = [
            etree.fromstring(etree.tostring(n, with_tail=False), _parser())
            if isinstance(n, etree._Element) and n.getparent() is not None
            else n
            for n in items
        ]
        return bytes(super()._c14n(rooted, algorithm, inclusive_ns_prefixes))


class _Signer(_Fixed, XMLSigner):
    def check_deprecated_methods(self) -> None:
        """SHA-1 on request, to test how verification treats it."""


class _Verifier(_Fixed, XMLVerifier):
    pass


def oracle_sign(message: bytes, key: SigningKey, *, sha1: bool = False) -> bytes:
    """Sign like a third-party system would: SignXML, Signature last in edXMLHeader."""
    root = etree.fromstring(message, _parser())
    header = root.find("{*}edXMLEnvelope/{*}edXMLHeader")
    assert header is not None
    ds: dict[Any, str] = {None: DSIG_NS}
    etree.SubElement(header, f"{{{DSIG_NS}}}Signature", nsmap=ds, Id="placeholder")
    signer = _Signer(
        method=Construction.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA1 if sha1 else SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA1 if sha1 else DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signer.namespaces = ds
    signed = signer.sign(root, key=key.private_key, cert=[key.certificate, *key.chain])
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def oracle_verify(message: bytes, key: SigningKey) -> bytes:
    """SignXML's verdict on our signature: the signed data, or an exception."""
    config = SignatureConfiguration(
        require_x509=True,
        expect_references=1,
        signature_methods=frozenset(SignatureMethod),
        digest_algorithms=frozenset(DigestAlgorithm),
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
        verification_time=key.certificate.not_valid_before_utc,
    )
    result = _Verifier().verify(message, x509_cert=key.certificate, expect_config=config)
    return bytes(result.signed_data)
