"""The descriptive metadata of a package: the dossier and its documents as one EAD 2002 finding
aid (``metadata/descriptive/ead.xml``).

The fields EAD names itself (identifier, title, dates, language, creator) go where EAD puts
them; every §5 field, under its §5 name, is also kept in a definition list (``odd``), so that
nothing is lost and a reader that knows the Circular's names finds them as given.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .metadata import Dossier
from .xmlio import EAD, q, to_bytes


def ead_xml(dossier: Dossier, package_id: str) -> bytes:
    fields = dossier.fields
    ead = etree.Element(q(EAD, "ead"), nsmap={"ead": EAD})
    header = _sub(ead, "eadheader")
    _sub(header, "eadid", package_id)
    _sub(_sub(_sub(header, "filedesc"), "titlestmt"), "titleproper", fields["title"])
    archdesc = _sub(ead, "archdesc", level="file")
    _did(
        archdesc,
        unitid=fields["fileCode"],
        unittitle=fields["title"],
        dates=(fields["startDate"], fields["endDate"]),
        language=fields.get("language"),
        creator=None,
    )
    if "description" in fields:
        _sub(_sub(archdesc, "scopecontent"), "p", fields["description"])
    _fields(archdesc, fields)
    dsc = _sub(archdesc, "dsc")
    for ordinal, document in enumerate(dossier.documents, start=1):
        doc = document.fields
        c = _sub(dsc, "c", level="item", id=f"doc-{ordinal:05d}")
        _did(
            c,
            unitid=doc["docCode"],
            unittitle=doc["subject"],
            dates=(doc["issuedDate"], doc["issuedDate"]),
            language=doc.get("language"),
            creator=doc["organName"],
        )
        _fields(c, {"file": document.file, **doc})
    return to_bytes(ead)


def _did(
    parent: etree._Element,
    *,
    unitid: str,
    unittitle: str,
    dates: tuple[str, str],
    language: str | None,
    creator: str | None,
) -> None:
    did = _sub(parent, "did")
    if creator:
        _sub(_sub(did, "origination"), "corpname", creator)
    _sub(did, "unitid", unitid)
    _sub(did, "unittitle", unittitle)
    start, end = dates
    shown = start if start == end else f"{start} – {end}"
    _sub(did, "unitdate", shown, normal=start if start == end else f"{start}/{end}")
    if language:
        _sub(_sub(did, "langmaterial"), "language", language)


def _fields(parent: etree._Element, fields: Mapping[str, str]) -> None:
    deflist = _sub(_sub(parent, "odd", type="lienthong-fields"), "list", type="deflist")
    for name, value in fields.items():
        item = _sub(deflist, "defitem")
        _sub(item, "label", name)
        _sub(item, "item", value)


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    el = etree.SubElement(parent, q(EAD, name), attrs)
    if text is not None:
        el.text = text
    return el
