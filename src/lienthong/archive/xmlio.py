"""Reading and writing the package's XML: one hardened parser (no DTD, no entities, no network)
and one serialisation, so that every XML file in a package is made and read the same way."""

from __future__ import annotations

from typing import Final

from lxml import etree

METS: Final = "http://www.loc.gov/METS/"
XLINK: Final = "http://www.w3.org/1999/xlink"
CSIP: Final = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
PREMIS: Final = "http://www.loc.gov/premis/v3"
EAD: Final = "urn:isbn:1-931666-22-9"  # EAD 2002


def hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,  # a METS for thousands of files is large but legitimate
        remove_blank_text=False,
    )


class XmlUnreadable(ValueError):
    """Not well-formed, or carrying a DOCTYPE (which a package's XML has no use for)."""


def parse_xml(data: bytes) -> etree._ElementTree:
    try:
        tree = etree.ElementTree(etree.fromstring(data, hardened_parser()))
    except etree.XMLSyntaxError as exc:
        raise XmlUnreadable(str(exc)) from None
    if getattr(tree.docinfo, "doctype", ""):  # absent from lxml-stubs
        raise XmlUnreadable("a DOCTYPE is not accepted")
    return tree


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def q(namespace: str, name: str) -> str:
    """The Clark name ``{namespace}name`` lxml uses for a qualified name."""
    return f"{{{namespace}}}{name}"
