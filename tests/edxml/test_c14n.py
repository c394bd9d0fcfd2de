"""The streaming canonical form equals lxml's, byte for byte, for the documents we digest."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from lienthong.edxml.limits import DEFAULT_LIMITS
from lienthong.edxml.scan import scan

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"

_text_chars = st.sampled_from([*list("ab xyĐườngẾ&<>\"'\t\n"), "&#13;", "]]", "\xa0"])
texts = st.lists(_text_chars, max_size=8).map(
    lambda cs: "".join(
        c if c == "&#13;" else c.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for c in cs
    )
)
attr_values = st.lists(st.sampled_from([*list('v 1&<"\t\n'), "&#10;", "&#9;"]), max_size=5).map(
    lambda cs: "".join(
        c
        if c.startswith("&#")
        else c.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        for c in cs
    )
)


@st.composite
def fragments(draw: st.DrawFn, scope: frozenset[str] = frozenset({"edXML"}), depth: int = 0) -> str:
    """A random element with namespaces declared, redeclared and used, as XML text."""
    declared: list[str] = []
    new_scope = set(scope)
    for prefix in draw(st.lists(st.sampled_from(["a", "b", "edXML", ""]), max_size=2, unique=True)):
        uri = draw(st.sampled_from(["urn:one", "urn:two", NS]))
        if prefix == "":
            uri = draw(st.sampled_from(["urn:one", NS, ""]))
            declared.append(f'xmlns="{uri}"')
        else:
            declared.append(f'xmlns:{prefix}="{uri}"')
            new_scope.add(prefix)
    prefix = draw(st.sampled_from([*sorted(new_scope), ""]))
    name = f"{prefix}:E{depth}" if prefix else f"E{depth}"
    attrs = []
    for attr_prefix in draw(
        st.lists(st.sampled_from([*sorted(new_scope), "", "xml"]), max_size=3, unique=True)
    ):
        attr_name = {"": "z", "xml": "xml:lang"}.get(attr_prefix, f"{attr_prefix}:q{attr_prefix}")
        attrs.append(f'{attr_name}="{draw(attr_values)}"')
    attrs.extend(declared)
    draw(st.randoms()).shuffle(attrs)
    children = []
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["element", "text", "comment", "pi"]))
            if kind == "element":
                children.append(draw(fragments(frozenset(new_scope), depth + 1)))
            elif kind == "text":
                children.append(draw(texts))
            elif kind == "comment":
                children.append("<!-- note -->")
            else:
                children.append("<?app do this?>")
    open_tag = " ".join([name, *attrs])
    return f"<{open_tag}>{''.join(children)}</{name}>"


def _signed_document(fragment: str, method: str, root_attrs: str = 'xml:lang="vi"') -> bytes:
    signature = (
        f'<Signature xmlns="{DS}"><SignedInfo><CanonicalizationMethod Algorithm="{C14N}"/>'
        f'<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f'<Reference URI=""><Transforms>'
        f'<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        f'<Transform Algorithm="{method}"/></Transforms>'
        f'<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<DigestValue>AA==</DigestValue></Reference></SignedInfo>"
        f"<SignatureValue>AA==</SignatureValue></Signature>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<?before root?>\n<edXML xmlns="{NS}" '
        f'xmlns:edXML="{NS}" {root_attrs}>\n <edXML:edXMLEnvelope><edXML:edXMLHeader>'
        f"<edXML:MessageHeader>{fragment}</edXML:MessageHeader>\n  {signature}\n"
        f"</edXML:edXMLHeader></edXML:edXMLEnvelope>\n</edXML>\n<!-- after -->"
    ).encode()


def _expected(data: bytes, exclusive: bool) -> bytes:
    tree = etree.ElementTree(etree.fromstring(data, etree.XMLParser(remove_comments=False)))
    signature = tree.find(f".//{{{DS}}}Signature")
    assert signature is not None
    parent = signature.getparent()
    assert parent is not None
    previous = signature.getprevious()
    if signature.tail:  # the enveloped transform removes the element, not the text after it
        if previous is not None:
            previous.tail = (previous.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    parent.remove(signature)
    return etree.tostring(tree, method="c14n", exclusive=exclusive, with_comments=False)


@settings(max_examples=300, deadline=None)
@given(fragments(), st.sampled_from([(C14N, False), (EXC, True)]))
def test_streamed_digest_equals_digest_of_lxml_canonical_form(
    fragment: str, method: tuple[str, bool]
) -> None:
    data = _signed_document(fragment, method[0])
    result = scan(data, DEFAULT_LIMITS, digest=True)
    assert result.digest is not None
    assert result.digest[2] == hashlib.sha256(_expected(data, method[1])).digest()


def test_signed_info_canonical_form_renders_inherited_namespaces() -> None:
    from lienthong.edxml.scan import canonical_signed_info

    # (no xml:* attribute above it: lxml's c14n of a detached subtree would not inherit it)
    data = _signed_document("<edXML:Subject>x</edXML:Subject>", C14N, root_attrs="")
    result = scan(data, DEFAULT_LIMITS, digest=True)
    assert result.signature is not None
    tree = etree.fromstring(data)
    signed_info = tree.find(f".//{{{DS}}}SignedInfo")
    assert signed_info is not None
    # libxml2 renders a spurious xmlns="" on SignedInfo's grandchildren when the document's
    # default namespace differs from the signature's (signxml issue 193): the right form is
    # lxml's without it.
    in_context = etree.tostring(signed_info, method="c14n")
    assert b' xmlns=""' in in_context
    assert canonical_signed_info(result.signature, C14N) == in_context.replace(b' xmlns=""', b"")
    assert canonical_signed_info(result.signature, EXC) == etree.tostring(
        signed_info, method="c14n", exclusive=True
    )
