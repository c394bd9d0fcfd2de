"""Writing the METS documents of a package following E-ARK CSIP 2.0.4: the package's
``METS.xml`` (header, descriptive and preservation metadata references, file groups, the CSIP
structural map) and one ``METS.xml`` per representation (its files and their checksums).

Every path in an ``xlink:href`` is relative to the folder of the METS document that holds it,
percent-encoded (a URL, as CSIP76 asks). Identifiers are made unique across the package by
prefixing them with the representation's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from lxml import etree

from .premis import Software
from .xmlio import CSIP, METS, XLINK, XSI, q, to_bytes

PROFILE: Final = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
CONTENT_CATEGORY: Final = "Textual works – Digital"
# No content information type of the CSIP vocabulary covers the Circular's records: OTHER, named.
OTHER_CONTENT_INFORMATION_TYPE: Final = "VN-TT05/2025/TT-BNV"


@dataclass(frozen=True)
class MetsFile:
    """A file one METS document points to, ``href`` relative to that document's folder."""

    id: str
    href: str
    mimetype: str
    size: int
    sha256: str
    owner_id: str = ""


@dataclass(frozen=True)
class MetadataRef:
    id: str
    file: MetsFile
    mdtype: str  # METS's MDTYPE: EAD, PREMIS …


@dataclass(frozen=True)
class Representation:
    name: str  # "rep1": the folder under representations/
    mets: MetsFile  # its METS.xml, seen from the package root


def url(path: str) -> str:
    return quote(path, safe="/")


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def package_mets(
    *,
    package_id: str,
    label: str,
    created: dt.datetime,
    software: Software,
    descriptive: Sequence[MetadataRef],
    preservation: Sequence[MetadataRef],
    documentation: Sequence[MetsFile],
    schemas: Sequence[MetsFile],
    representations: Sequence[Representation],
) -> bytes:
    when = timestamp(created)
    mets = _mets_root(package_id, label, created, software, schemas="schemas/")
    for ref in descriptive:
        dmd = _sub(mets, "dmdSec", ID=ref.id, CREATED=when, STATUS="CURRENT")
        _md_ref(dmd, ref, when)
    if preservation:
        amd = _sub(mets, "amdSec")
        for ref in preservation:
            digiprov = _sub(amd, "digiprovMD", ID=ref.id, STATUS="CURRENT")
            _md_ref(digiprov, ref, when)
    file_sec = _sub(mets, "fileSec", ID="filesec")
    groups: list[tuple[str, str]] = []  # (division label, file group id)
    for use, files in (("Documentation", documentation), ("Schemas", schemas)):
        if files:
            group_id = f"fg-{use.lower()}"
            _file_group(file_sec, group_id, use, files, when, content_type=False)
            groups.append((use, group_id))
    for rep in representations:
        use = f"Representations/{rep.name}"
        _file_group(file_sec, f"fg-{rep.name}", use, [rep.mets], when, content_type=True)
    struct = _sub(mets, "structMap", ID="struct-csip", TYPE="PHYSICAL", LABEL="CSIP")
    top = _sub(struct, "div", ID="div-package", LABEL=package_id)
    metadata_div = {"ID": "div-metadata", "LABEL": "Metadata"}
    if descriptive:
        metadata_div["DMDID"] = " ".join(ref.id for ref in descriptive)
    if preservation:
        metadata_div["ADMID"] = " ".join(ref.id for ref in preservation)
    _sub(top, "div", **metadata_div)
    for use, group_id in groups:
        div = _sub(top, "div", ID=f"div-{use.lower()}", LABEL=use)
        _sub(div, "fptr", FILEID=group_id)
    for rep in representations:
        div = _sub(top, "div", ID=f"div-{rep.name}", LABEL=f"Representations/{rep.name}")
        _sub(
            div,
            "mptr",
            LOCTYPE="URL",
            **{
                q(XLINK, "type"): "simple",
                q(XLINK, "href"): url(rep.mets.href),
                q(XLINK, "title"): f"fg-{rep.name}",
            },
        )
        _sub(div, "fptr", FILEID=f"fg-{rep.name}")
    return to_bytes(mets)


def representation_mets(
    *, name: str, label: str, created: dt.datetime, software: Software, data: Sequence[MetsFile]
) -> bytes:
    when = timestamp(created)
    mets = _mets_root(name, label, created, software, schemas="../../schemas/")
    file_sec = _sub(mets, "fileSec", ID=f"{name}-filesec")
    _file_group(file_sec, f"{name}-fg-data", "Data", data, when, content_type=True)
    struct = _sub(mets, "structMap", ID=f"{name}-struct-csip", TYPE="PHYSICAL", LABEL="CSIP")
    top = _sub(struct, "div", ID=f"{name}-div", LABEL=name)
    data_div = _sub(top, "div", ID=f"{name}-div-data", LABEL="Data")
    _sub(data_div, "fptr", FILEID=f"{name}-fg-data")
    return to_bytes(mets)


def _mets_root(
    obj_id: str, label: str, created: dt.datetime, software: Software, *, schemas: str
) -> etree._Element:
    mets = etree.Element(
        q(METS, "mets"),
        {
            "OBJID": obj_id,
            "LABEL": label,
            "TYPE": CONTENT_CATEGORY,
            "PROFILE": PROFILE,
            q(CSIP, "CONTENTINFORMATIONTYPE"): "OTHER",
            q(CSIP, "OTHERCONTENTINFORMATIONTYPE"): OTHER_CONTENT_INFORMATION_TYPE,
            q(XSI, "schemaLocation"): f"{METS} {schemas}mets.xsd {XLINK} {schemas}xlink.xsd "
            f"{CSIP} {schemas}DILCISExtensionMETS.xsd",
        },
        nsmap={"mets": METS, "xlink": XLINK, "csip": CSIP, "xsi": XSI},
    )
    header = _sub(
        mets,
        "metsHdr",
        CREATEDATE=timestamp(created),
        RECORDSTATUS="NEW",
        **{q(CSIP, "OAISPACKAGETYPE"): "SIP"},
    )
    agent = _sub(header, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(agent, "name").text = software.name
    note = _sub(agent, "note", **{q(CSIP, "NOTETYPE"): "SOFTWARE VERSION"})
    note.text = software.version
    return mets


def _md_ref(parent: etree._Element, ref: MetadataRef, when: str) -> None:
    f = ref.file
    _sub(
        parent,
        "mdRef",
        LOCTYPE="URL",
        MDTYPE=ref.mdtype,
        MIMETYPE=f.mimetype,
        SIZE=str(f.size),
        CREATED=when,
        CHECKSUM=f.sha256,
        CHECKSUMTYPE="SHA-256",
        **{q(XLINK, "type"): "simple", q(XLINK, "href"): url(f.href)},
    )


def _file_group(
    parent: etree._Element,
    group_id: str,
    use: str,
    files: Sequence[MetsFile],
    when: str,
    *,
    content_type: bool,
) -> None:
    attrs = {"ID": group_id, "USE": use}
    if content_type:
        attrs[q(CSIP, "CONTENTINFORMATIONTYPE")] = "OTHER"
        attrs[q(CSIP, "OTHERCONTENTINFORMATIONTYPE")] = OTHER_CONTENT_INFORMATION_TYPE
    group = _sub(parent, "fileGrp", **attrs)
    for f in files:
        file_attrs = {
            "ID": f.id,
            "MIMETYPE": f.mimetype,
            "SIZE": str(f.size),
            "CREATED": when,
            "CHECKSUM": f.sha256,
            "CHECKSUMTYPE": "SHA-256",
        }
        if f.owner_id:
            file_attrs["OWNERID"] = f.owner_id
        el = _sub(group, "file", **file_attrs)
        _sub(
            el,
            "FLocat",
            LOCTYPE="URL",
            **{q(XLINK, "type"): "simple", q(XLINK, "href"): url(f.href)},
        )


def _sub(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, q(METS, name), attrs)
