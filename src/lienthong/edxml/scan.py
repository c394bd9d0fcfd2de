"""Read an edXML message in one pass, in memory bounded by a chunk rather than the message.

The one reader every edXML byte goes through. It

* refuses what is unsafe (any DOCTYPE, entity declarations, external references) and bounds
  size, depth, element and attachment counts;
* resolves namespaces itself, so that a prefix used without a declaration (``xlink:href``,
  ``edXML:`` outside its scope — seen in real traffic) is read as written, with a warning;
* builds a small lxml tree of everything but the attachment contents, for the model reader;
* streams each attachment's base64 text through a decoder (validity, size, SHA-256, and an
  optional sink for the bytes);
* when asked, canonicalizes the document minus its signature as it goes and digests it, and
  keeps the signature's own parts, so that a signature over hundreds of megabytes is checked
  without holding them (see :mod:`lienthong.edxml.dsig`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.parsers import expat

from lxml import etree

from .attachments import Base64Decoder, ByteSink
from .c14n import XML_NS, Attr, Canonicalizer
from .errors import (
    AttachmentError,
    Collected,
    EdxmlError,
    ForbiddenConstructError,
    MalformedError,
    TooLargeError,
)
from .limits import Limits
from .model import DSIG_NS, NS, AttachmentFacts

_READ_CHUNK = 1 << 20
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"

# How a digest is made from the canonical form: transform URI → (exclusive, with comments).
C14N_METHODS: Mapping[str, tuple[bool, bool]] = {
    _C14N: (False, False),
    _C14N + "#WithComments": (False, True),
    _EXC_C14N: (True, False),
    _EXC_C14N + "WithComments": (True, True),
}

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DIGESTS: Mapping[str, str] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}

Event = tuple[Any, ...]


@dataclass
class SignatureCapture:
    """The parts of the one signature in ``edXMLHeader`` a verifier needs."""

    element: etree._Element
    signed_info_events: list[Event]


def reference_plan(signature: etree._Element) -> tuple[str, str] | None:
    """(c14n method, hash name) for the whole-document Reference, or None if not supported."""
    references = signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    if len(references) != 1:
        return None
    reference = references[0]
    method = _C14N  # the default conversion of a node set to octets
    for transform in reference.iterfind(f"{{{DSIG_NS}}}Transforms/{{{DSIG_NS}}}Transform"):
        algorithm = transform.get("Algorithm", "")
        if algorithm in C14N_METHODS:
            method = algorithm
        elif algorithm != ENVELOPED:
            return None
    digest_method = reference.find(f"{{{DSIG_NS}}}DigestMethod")
    hash_name = DIGESTS.get(digest_method.get("Algorithm", "") if digest_method is not None else "")
    return None if hash_name is None else (method, hash_name)


@dataclass
class Scan:
    """Everything one pass learned about a message."""

    root: etree._Element
    notes: Collected
    attachments: list[AttachmentFacts]
    signatures_seen: int = 0
    signature: SignatureCapture | None = None
    misplaced_signature: bool = False
    # The document minus its signature, canonicalized and hashed: (c14n method, hash, digest).
    # As the signature's Reference says (None if unsupported), or as the caller forced it.
    digest: tuple[str, str, bytes] | None = None
    # Where a signature goes: the offset of edXMLHeader's end tag, the namespaces in scope there.
    header_end_offset: int | None = None
    header_scope: Mapping[str, str] | None = None
    encoding: str | None = None


class _Refused(Exception):
    """Carries a library error out of an expat callback."""

    def __init__(self, error: EdxmlError) -> None:
        super().__init__(error.message)
        self.error = error


class _Scanner:
    def __init__(
        self,
        limits: Limits,
        *,
        keep_encoded: bool,
        digest: bool | tuple[str, str],
        attachment_sink: Callable[[int, str], ByteSink] | None,
    ) -> None:
        self.limits = limits
        self.keep_encoded = keep_encoded
        self.digest = digest
        self.attachment_sink = attachment_sink
        self.notes = Collected()
        self.builder = etree.TreeBuilder()
        self.scopes: list[dict[str, str]] = [{"xml": XML_NS}]
        self.xml_attrs: list[tuple[Attr, ...]] = [()]
        self.path: list[str] = []  # edXML local names of open elements ("" for others)
        self.elements = 0
        self.undeclared: set[str] = set()
        self.attachments: list[AttachmentFacts] = []
        self.decoder: Base64Decoder | None = None
        self.decoder_failed: AttachmentFacts | None = None
        self.in_content = False
        self.content_name = ""
        self.attachment_names: list[str] = []
        # signature handling
        self.signatures_seen = 0
        self.misplaced_signature = False
        self.signature_depth: int | None = None
        self.signature_builder: etree.TreeBuilder | None = None
        self.signature: SignatureCapture | None = None
        self.signed_info_events: list[Event] = []
        self.signed_info_depth: int | None = None
        self.recorded: list[Event] | None = [] if digest else None
        self.live: tuple[str, str, Canonicalizer, Any] | None = None
        self.recording_signed_info = False
        self._tags: list[str] = []
        self._sig_tags: list[str] = []
        self.header_end_offset: int | None = None
        self.header_scope: Mapping[str, str] | None = None
        self.encoding: str | None = None
        self.parser = self._make_parser()

    # -- expat ------------------------------------------------------------------------------

    def _make_parser(self) -> Any:
        p = expat.ParserCreate()  # no namespace processing: we resolve prefixes ourselves
        p.ordered_attributes = True
        p.buffer_text = True
        p.buffer_size = 1 << 16
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._entity
        p.ExternalEntityRefHandler = self._external
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._text
        p.CommentHandler = self._comment
        p.ProcessingInstructionHandler = self._pi
        p.XmlDeclHandler = self._declaration
        return p

    def _declaration(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        self.encoding = encoding

    def feed(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except _Refused as refused:
            raise refused.error from None
        except LookupError:
            raise MalformedError("the message declares an encoding that is not supported") from None
        except expat.ExpatError as exc:
            message = expat.ErrorString(exc.code) if exc.code else str(exc)
            raise MalformedError(
                f"the message is not well-formed XML: {message} (line {exc.lineno}, "
                f"column {exc.offset})"
            ) from None

    def _doctype(self, *_: object) -> None:
        raise _Refused(
            ForbiddenConstructError(
                "the message contains a DOCTYPE declaration; "
                "DTDs and entities are refused for safety"
            )
        )

    def _entity(self, *_: object) -> None:
        raise _Refused(ForbiddenConstructError("entity declarations are refused for safety"))

    def _external(self, *_: object) -> int:
        raise _Refused(ForbiddenConstructError("external references are refused for safety"))

    # -- names ------------------------------------------------------------------------------

    def _resolve(
        self, qname: str, scope: Mapping[str, str], *, element: bool
    ) -> tuple[str, str | None, str]:
        if qname.count(":") > 1 or qname.startswith(":") or qname.endswith(":"):
            raise _Refused(MalformedError(f"{qname!r} is not a namespace-well-formed name"))
        prefix, _, local = qname.rpartition(":")
        if not prefix:
            return "", (scope.get("") or None) if element else None, qname
        uri = scope.get(prefix)
        if uri is None:
            if prefix not in self.undeclared:
                self.undeclared.add(prefix)
                self.notes.warn(
                    "undeclared-prefix",
                    f"namespace prefix {prefix} is used without a declaration; read as written",
                )
            return prefix, None, local
        return prefix, uri, local

    # -- events -----------------------------------------------------------------------------

    def _start(self, qname: str, flat: list[str]) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise _Refused(
                TooLargeError(f"the message has more than {self.limits.max_elements} elements")
            )
        if len(self.path) >= self.limits.max_depth:
            raise _Refused(
                TooLargeError(f"elements are nested deeper than {self.limits.max_depth} levels")
            )
        parent_scope = self.scopes[-1]
        declared: dict[str, str] = {}
        raw_attrs: list[tuple[str, str]] = []
        for i in range(0, len(flat), 2):
            name, value = flat[i], flat[i + 1]
            if name == "xmlns":
                declared[""] = value
            elif name.startswith("xmlns:"):
                declared[name[6:]] = value
            else:
                raw_attrs.append((name, value))
        scope = {**parent_scope, **declared} if declared else parent_scope
        self.scopes.append(scope)
        prefix, uri, local = self._resolve(qname, scope, element=True)
        attrs = []
        for name, value in raw_attrs:
            _a_prefix, a_uri, a_local = self._resolve(name, scope, element=False)
            attrs.append(Attr(name, a_uri, a_local if a_uri else name, value))
        if len({(a.uri, a.local) for a in attrs}) != len(attrs):
            raise _Refused(MalformedError(f"element {qname} has the same attribute twice"))
        if any(not u for p, u in declared.items() if p) or declared.get("xml", XML_NS) != XML_NS:
            raise _Refused(MalformedError(f"element {qname} has an illegal namespace declaration"))
        own_xml = tuple(a for a in attrs if a.uri == XML_NS)
        inherited = self.xml_attrs[-1]
        if own_xml:
            keep = {a.local for a in own_xml}
            self.xml_attrs.append(tuple(a for a in inherited if a.local not in keep) + own_xml)
        else:
            self.xml_attrs.append(inherited)

        edxml_local = local if (uri == NS or (uri is None and prefix in ("", "edXML"))) else ""
        is_dsig = uri == DSIG_NS
        parent_local = self.path[-1] if self.path else None
        self.path.append(edxml_local)

        # The signature: only a direct child of edXMLHeader counts; any other is wrapping bait.
        if is_dsig and local == "Signature" and self.signature_depth is None:
            self.signatures_seen += 1
            if parent_local == "edXMLHeader" and self.signatures_seen == 1:
                self.signature_depth = len(self.path)
                self.signature_builder = etree.TreeBuilder()
            else:
                self.misplaced_signature = True
        elif is_dsig and local == "Signature":
            self.signatures_seen += 1
            self.misplaced_signature = True

        event: Event = ("start", qname, prefix, scope, attrs, inherited)
        if self.signature_depth is not None:
            self._signature_event(event, local, uri, attrs, declared)
        else:
            self._digest_event(event)
            self._tree_start(uri, prefix, local, attrs, declared)

        if edxml_local == "ContentTransferEncoded" and parent_local == "Attachment":
            self._begin_content()

    def _end(self, qname: str) -> None:
        depth = len(self.path)
        if self.in_content and depth and self.path[-1] == "ContentTransferEncoded":
            self._end_content()
        if self.signature_depth is not None:
            self._signature_event(("end", qname), None, None, [], {})
            if depth == self.signature_depth:
                self._finish_signature()
        else:
            self._digest_event(("end", qname))
            self.builder.end(self._tree_tag_for_end())
        local = self.path.pop()
        scope = self.scopes.pop()
        self.xml_attrs.pop()
        if local == "edXMLHeader" and self.header_end_offset is None:
            self.header_end_offset = self.parser.CurrentByteIndex
            self.header_scope = scope
            self._stop_recording()
        if local == "edXMLHeader" and self.header_end_offset is None:
            self.header_end_offset = self.parser.CurrentByteIndex
            self._stop_recording()

    def _text(self, data: str) -> None:
        if self.in_content:
            self._content(data)
            if not self.keep_encoded:
                self._digest_event(("text", data))
                return
        if self.signature_depth is not None:
            self._signature_event(("text", data), None, None, [], {})
            return
        self._digest_event(("text", data))
        if self.path:
            self.builder.data(data)

    # Comments and PIs never reach the small tree: text split by one is read whole, as it was
    # digested (``<Subject>Đồng ý<!---->không</Subject>`` is not "Đồng ý"). The reference node
    # set of URI="" has no comments; only SignedInfo's may count.

    def _comment(self, data: str) -> None:
        if self.signature_depth is not None:
            self._signature_event(("comment", data), None, None, [], {})

    def _pi(self, target: str, data: str) -> None:
        if self.signature_depth is not None:
            self._signature_event(("pi", target, data), None, None, [], {})
            return
        self._digest_event(("pi", target, data))

    # -- the small tree ---------------------------------------------------------------------

    def _tag(self, uri: str | None, prefix: str, local: str) -> str:
        if uri is None and prefix == "edXML":
            return f"{{{NS}}}{local}"  # an edXML element whose prefix went undeclared
        return f"{{{uri}}}{local}" if uri else local

    def _tree_start(
        self, uri: str | None, prefix: str, local: str, attrs: list[Attr], declared: dict[str, str]
    ) -> None:
        tag = self._tag(uri, prefix, local)
        self._tags.append(tag)
        tree_attrs = {
            (f"{{{a.uri}}}{a.local}" if a.uri else a.local): a.value
            for a in attrs
            if a.uri or ":" not in a.qname
        }
        nsmap = {(p or None): u for p, u in declared.items() if u}
        _start_element(self.builder, tag, tree_attrs, nsmap)

    def _tree_tag_for_end(self) -> str:
        return self._tags.pop()

    # -- attachments ------------------------------------------------------------------------

    def _begin_content(self) -> None:
        index = len(self.attachments)
        if index >= self.limits.max_attachments:
            raise _Refused(
                TooLargeError(
                    f"the message has more than {self.limits.max_attachments} attachments"
                )
            )
        sink: ByteSink = _NULL_SINK
        if self.attachment_sink is not None:
            sink = self.attachment_sink(index, "")
        self.in_content = True
        self.decoder = Base64Decoder(sink, self.limits.max_attachment_bytes)
        self.decoder_failed = None

    def _content(self, data: str) -> None:
        if self.decoder is None:
            return
        try:
            self.decoder.feed(data)
        except TooLargeError as exc:
            self.decoder_failed = AttachmentFacts(0, "", "too-large", exc.message)
            self.decoder = None
        except AttachmentError as exc:
            self.decoder_failed = AttachmentFacts(0, "", "base64", exc.message)
            self.decoder = None

    def _end_content(self) -> None:
        self.in_content = False
        facts = self.decoder_failed
        if self.decoder is not None:
            try:
                result = self.decoder.finish()
                facts = AttachmentFacts(result.size, result.sha256)
            except AttachmentError as exc:
                facts = AttachmentFacts(0, "", "base64", exc.message)
        self.decoder = None
        assert facts is not None
        self.attachments.append(facts)

    # -- signature and digest ---------------------------------------------------------------

    def _signature_event(
        self,
        event: Event,
        local: str | None,
        uri: str | None,
        attrs: list[Attr],
        declared: dict[str, str],
    ) -> None:
        builder = self.signature_builder
        assert builder is not None
        kind = event[0]
        if kind == "start":
            tag = f"{{{uri}}}{local}" if uri else str(local)
            tree_attrs = {(f"{{{a.uri}}}{a.local}" if a.uri else a.local): a.value for a in attrs}
            nsmap = {(p or None): u for p, u in declared.items() if u}
            _start_element(builder, tag, tree_attrs, nsmap)
            self._sig_tags.append(tag)
            if uri == DSIG_NS and local == "SignedInfo" and self.signed_info_depth is None:
                self.signed_info_depth = len(self.path)
                self.recording_signed_info = True
        elif kind == "end":
            builder.end(self._sig_tags.pop())
        elif kind == "text":
            builder.data(event[1])
        if self.recording_signed_info:
            self.signed_info_events.append(event)
            if kind == "end" and len(self.path) == self.signed_info_depth:
                self.recording_signed_info = False

    def _finish_signature(self) -> None:
        builder = self.signature_builder
        assert builder is not None
        element = builder.close()
        self.signature = SignatureCapture(element, self.signed_info_events)
        self.signature_depth = None
        self.signature_builder = None

    def _digest_event(self, event: Event) -> None:
        if self.recorded is not None:
            self.recorded.append(event)
        if self.live is not None:
            _replay(self.live[2], event)

    def _stop_recording(self) -> None:
        """At the end of edXMLHeader: digest what was recorded, then go on live."""
        if self.recorded is None or not self.digest:
            return
        recorded, self.recorded = self.recorded, None
        if isinstance(self.digest, tuple):
            plan: tuple[str, str] | None = self.digest
        else:
            plan = None if self.signature is None else reference_plan(self.signature.element)
        if plan is None:
            return  # nothing that can be checked: spend no time on canonical forms
        method, hash_name = plan
        hasher = hashlib.new(hash_name)
        canon = Canonicalizer(hasher.update, exclusive=C14N_METHODS[method][0])
        for event in recorded:
            _replay(canon, event)
        self.live = (method, hash_name, canon, hasher)

    def finish(self) -> Scan:
        if self.recorded is not None:
            self._stop_recording()
        digest = None
        if self.live is not None:
            method, hash_name, canon, hasher = self.live
            canon.close()
            digest = (method, hash_name, hasher.digest())
        root = self.builder.close()
        return Scan(
            root=root,
            notes=self.notes,
            attachments=self.attachments,
            signatures_seen=self.signatures_seen,
            signature=self.signature,
            misplaced_signature=self.misplaced_signature,
            digest=digest,
            header_end_offset=self.header_end_offset,
            header_scope=self.header_scope,
            encoding=self.encoding,
        )


def _start_element(
    builder: etree.TreeBuilder,
    tag: str,
    attrs: dict[str, str],
    nsmap: dict[str | None, str],
) -> None:
    # lxml checks names and namespace URIs as XML Namespaces define them; expat, reading
    # without namespace processing, does not: "edXML:5x" is a name but not a qualified one.
    try:
        builder.start(tag, attrs, nsmap)  # type: ignore[call-arg, arg-type]
    except (ValueError, TypeError) as exc:
        raise _Refused(MalformedError(f"the message is not namespace-well-formed: {exc}")) from None


def _replay(canon: Canonicalizer, event: Event) -> None:
    kind = event[0]
    if kind == "start":
        canon.start(event[1], event[2], event[3], event[4], event[5])
    elif kind == "end":
        canon.end(event[1])
    elif kind == "text":
        canon.text(event[1])
    elif kind == "pi":
        canon.pi(event[1], event[2])


def canonical_signed_info(capture: SignatureCapture, method: str) -> bytes:
    """SignedInfo in canonical form by ``method`` (its own CanonicalizationMethod)."""
    exclusive, with_comments = C14N_METHODS[method]
    out: list[bytes] = []
    canon = Canonicalizer(out.append, exclusive=exclusive, with_comments=with_comments)
    for event in capture.signed_info_events:
        if event[0] == "comment":
            canon.comment(event[1])
        else:
            _replay(canon, event)
    canon.close()
    return b"".join(out)


class _NullSink:
    def write(self, data: bytes, /) -> int:
        return len(data)


_NULL_SINK = _NullSink()


def scan(
    source: bytes | BinaryIO,
    limits: Limits,
    *,
    keep_encoded: bool = True,
    digest: bool | tuple[str, str] = False,
    attachment_sink: Callable[[int, str], ByteSink] | None = None,
) -> Scan:
    """Read a whole message once; see the module docstring for what is gathered.

    ``digest``: True digests the document as its signature's Reference says; a (c14n method,
    hash name) pair digests it that way whether or not it is signed (for signing).
    """
    scanner = _Scanner(
        limits, keep_encoded=keep_encoded, digest=digest, attachment_sink=attachment_sink
    )
    if isinstance(source, bytes):
        if len(source) > limits.max_message_bytes:
            raise TooLargeError(
                f"the message is {len(source)} bytes; the limit is {limits.max_message_bytes} bytes"
            )
        if not source.strip():
            raise MalformedError("the message is empty")
        scanner.feed(source, True)
    else:
        total = 0
        while chunk := source.read(_READ_CHUNK):
            total += len(chunk)
            if total > limits.max_message_bytes:
                raise TooLargeError(
                    f"the message is larger than the limit of {limits.max_message_bytes} bytes"
                )
            scanner.feed(chunk, False)
        if total == 0:
            raise MalformedError("the message is empty")
        scanner.feed(b"", True)
    return scanner.finish()
