"""The requirements of the E-ARK CSIP 2.0.4 METS profile that code can check, on one METS
document at a time (the package's or a representation's). ``CHECKED`` lists their ids; the
others are listed, with why, in docs/archive.md.

Only MUST requirements make a package invalid; SHOULD and MAY ones are not reported. Where a
MUST is conditional on content being present (documentation, schemas), it is checked when that
content is there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from .metsschema import schema_folder
from .problems import Problem
from .xmlio import CSIP, METS, XLINK, q

CHECKED: Final = (
    "CSIP1", "CSIP2", "CSIP3", "CSIP4", "CSIP5", "CSIP6", "CSIP117", "CSIP7", "CSIP9",
    "CSIP10", "CSIP11", "CSIP12", "CSIP13", "CSIP14", "CSIP15", "CSIP16",
    "CSIP18", "CSIP19", "CSIP20", "CSIP22", "CSIP23", "CSIP24", "CSIP25", "CSIP26", "CSIP27",
    "CSIP28", "CSIP29", "CSIP30",
    "CSIP33", "CSIP34", "CSIP36", "CSIP37", "CSIP38", "CSIP39", "CSIP40", "CSIP41", "CSIP42",
    "CSIP43", "CSIP44",
    "CSIP46", "CSIP47", "CSIP49", "CSIP50", "CSIP51", "CSIP52", "CSIP53", "CSIP54", "CSIP55",
    "CSIP56", "CSIP57",
    "CSIP59", "CSIP60", "CSIP113", "CSIP114", "CSIP64", "CSIP65", "CSIP66",
    "CSIP67", "CSIP68", "CSIP69", "CSIP70", "CSIP71", "CSIP72", "CSIP76", "CSIP77", "CSIP78",
    "CSIP79",
    "CSIP80", "CSIP81", "CSIP82", "CSIP83", "CSIP84", "CSIP85", "CSIP86", "CSIP88", "CSIP89",
    "CSIP90", "CSIP94", "CSIP95", "CSIP96", "CSIP116", "CSIP98", "CSIP99", "CSIP100", "CSIP118",
    "CSIP102", "CSIP103", "CSIP104", "CSIP119", "CSIP106", "CSIP107", "CSIP108", "CSIP109",
    "CSIP110", "CSIP111", "CSIP112",
)  # fmt: skip

_Reporter = Callable[[str, str, str, str], None]  # (code, where, message, requirement)

_MIMETYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?")
_DASHES = str.maketrans({"–": "-", "—": "-"})

# (section element, its requirement ids: ID, STATUS, mdRef, LOCTYPE, xlink:type, href, MDTYPE,
# MIMETYPE, SIZE, CREATED, CHECKSUM, CHECKSUMTYPE)
_MD_SECTIONS: Final = (
    ("dmdSec", ("CSIP18", "CSIP20", "CSIP22", "CSIP23", "CSIP24", "CSIP25", "CSIP26",
                "CSIP27", "CSIP28", "CSIP29", "CSIP30")),
    ("digiprovMD", ("CSIP33", "CSIP34", "CSIP36", "CSIP37", "CSIP38", "CSIP39", "CSIP40",
                    "CSIP41", "CSIP42", "CSIP43", "CSIP44")),
    ("rightsMD", ("CSIP46", "CSIP47", "CSIP49", "CSIP50", "CSIP51", "CSIP52", "CSIP53",
                  "CSIP54", "CSIP55", "CSIP56", "CSIP57")),
)  # fmt: skip


@dataclass(frozen=True)
class FileReference:
    """A file a METS document points to (FLocat or mdRef), for the checks on the file itself."""

    href: str
    where: str  # "METS.xml: file rep1-file-00001"
    size: str | None
    checksum: str | None
    checksum_type: str | None
    mimetype: str | None


@dataclass(frozen=True)
class MetsReading:
    problems: list[Problem]
    references: list[FileReference]
    representations: list[tuple[str, str]]  # (href of a representation METS, where)
    ids: list[tuple[str, str, str]]  # (ID, element name, where)


def _m(name: str) -> str:
    return q(METS, name)


@functools.cache
def vocabulary(name: str) -> frozenset[str]:
    """The terms of a vendored CSIP vocabulary, dashes folded (older packages write "-")."""
    tree = etree.parse(str(schema_folder() / f"CSIPVocabulary{name}.xml"))
    return frozenset(
        (t.text or "").strip().translate(_DASHES).casefold() for t in tree.iter("{*}Term")
    )


def check_mets(root: etree._Element, path: str, *, package_level: bool) -> MetsReading:
    """Check one METS document (already schema-valid or not: each rule looks only at what it
    needs). ``path`` is the document's path in the package, used in ``where``."""
    problems: list[Problem] = []

    def problem(code: str, where: str, message: str, requirement: str) -> None:
        problems.append(Problem(code, f"{path}: {where}" if where else path, message, requirement))

    _check_root(root, package_level, problem)
    _check_header(root, problem)
    references: list[FileReference] = []
    for section, requirements in _MD_SECTIONS:
        for el in root.iter(_m(section)):
            references += _check_md_section(el, section, requirements, path, problem)
    groups = _check_file_sec(root, path, problem, references)
    representations = _check_struct_map(root, groups, package_level, problem)
    ids = [
        (el.get("ID", ""), etree.QName(el).localname, path)
        for el in root.iter(etree.Element)
        if el.get("ID")
    ]
    return MetsReading(problems, references, representations, ids)


def _check_root(root: etree._Element, package_level: bool, problem: _Reporter) -> None:
    if root.tag != _m("mets"):
        problem("csip-not-mets", "", "the root element is not mets:mets", "CSIP1")
        return
    if not root.get("OBJID"):
        problem("csip-objid-missing", "mets", "mets/@OBJID is mandatory", "CSIP1")
    category = root.get("TYPE")
    if not category:
        problem("csip-type-missing", "mets", "mets/@TYPE (content category) is mandatory", "CSIP2")
    else:
        folded = category.strip().translate(_DASHES).casefold()
        if folded not in vocabulary("ContentCategory") and folded != "other":
            problem(
                "csip-type-unknown",
                "mets",
                f"mets/@TYPE {category!r} is not in the CSIP content category vocabulary "
                "(use OTHER with csip:OTHERTYPE)",
                "CSIP2",
            )
        if folded == "other" and not root.get(q(CSIP, "OTHERTYPE")):
            problem("csip-othertype-missing", "mets", "TYPE OTHER needs csip:OTHERTYPE", "CSIP3")
    content_type = root.get(q(CSIP, "CONTENTINFORMATIONTYPE"))
    if not content_type and not package_level:
        problem(
            "csip-contentinformationtype-missing",
            "mets",
            "a representation METS must declare csip:CONTENTINFORMATIONTYPE",
            "CSIP4",
        )
    if content_type == "OTHER" and not root.get(q(CSIP, "OTHERCONTENTINFORMATIONTYPE")):
        problem(
            "csip-othercontentinformationtype-missing",
            "mets",
            "CONTENTINFORMATIONTYPE OTHER needs csip:OTHERCONTENTINFORMATIONTYPE",
            "CSIP5",
        )
    if not root.get("PROFILE"):
        problem("csip-profile-missing", "mets", "mets/@PROFILE is mandatory", "CSIP6")


def _check_header(root: etree._Element, problem: _Reporter) -> None:
    headers = root.findall(_m("metsHdr"))
    if len(headers) != 1:
        problem("csip-header-missing", "metsHdr", "exactly one metsHdr is mandatory", "CSIP117")
        return
    header = headers[0]
    if not header.get("CREATEDATE"):
        problem("csip-createdate-missing", "metsHdr", "metsHdr/@CREATEDATE is mandatory", "CSIP7")
    if not header.get(q(CSIP, "OAISPACKAGETYPE")):
        problem(
            "csip-packagetype-missing",
            "metsHdr",
            "metsHdr/@csip:OAISPACKAGETYPE is mandatory",
            "CSIP9",
        )
    agents = header.findall(_m("agent"))
    if not agents:
        problem("csip-agent-missing", "metsHdr", "an agent (the software) is mandatory", "CSIP10")
        return
    # Each requirement in turn: the software agent must have all of them.
    wanted = (
        ("CSIP11", "ROLE", "CREATOR"),
        ("CSIP12", "TYPE", "OTHER"),
        ("CSIP13", "OTHERTYPE", "SOFTWARE"),
    )
    candidates = agents
    for requirement, attribute, value in wanted:
        candidates = [a for a in candidates if a.get(attribute) == value]
        if not candidates:
            problem(
                "csip-agent-invalid",
                "metsHdr/agent",
                f"no agent with @{attribute}={value!r} (the creating software)",
                requirement,
            )
            return
    software = candidates[0]
    name = software.find(_m("name"))
    if name is None or not (name.text or "").strip():
        problem("csip-agent-invalid", "metsHdr/agent", "the software's name is missing", "CSIP14")
    notes = software.findall(_m("note"))
    if not notes:
        problem(
            "csip-agent-invalid", "metsHdr/agent", "the software's version is missing", "CSIP15"
        )
    elif not any(n.get(q(CSIP, "NOTETYPE")) == "SOFTWARE VERSION" for n in notes):
        problem(
            "csip-agent-invalid",
            "metsHdr/agent/note",
            "the version note needs csip:NOTETYPE='SOFTWARE VERSION'",
            "CSIP16",
        )


def _check_md_section(
    el: etree._Element, section: str, ids: tuple[str, ...], path: str, problem: _Reporter
) -> list[FileReference]:
    (
        id_req,
        status_req,
        loctype_req,
        xtype_req,
        href_req,
        mdtype_req,
        mime_req,
        size_req,
        created_req,
        checksum_req,
        checksum_type_req,
    ) = ids
    where = f"{section} {el.get('ID', '?')}"
    if not el.get("ID"):
        problem("csip-id-missing", where, f"{section}/@ID is mandatory", id_req)
    if section == "dmdSec" and not el.get("CREATED"):
        problem("csip-attribute-missing", where, "dmdSec/@CREATED is mandatory", "CSIP19")
    status = el.get("STATUS")
    if status is not None and status.casefold() not in vocabulary("Status"):
        problem(
            "csip-status-unknown", where, f"STATUS {status!r} is not in the vocabulary", status_req
        )
    references: list[FileReference] = []
    for ref in el.findall(_m("mdRef")):
        rules = (
            ("LOCTYPE", "URL", loctype_req),
            (q(XLINK, "type"), "simple", xtype_req),
            (q(XLINK, "href"), None, href_req),
            ("MDTYPE", None, mdtype_req),
            ("MIMETYPE", None, mime_req),
            ("SIZE", None, size_req),
            ("CREATED", None, created_req),
            ("CHECKSUM", None, checksum_req),
            ("CHECKSUMTYPE", None, checksum_type_req),
        )
        _attributes(ref, f"{where}/mdRef", rules, problem)
        href = ref.get(q(XLINK, "href"))
        if href:
            references.append(
                FileReference(
                    href,
                    f"{path}: {where}/mdRef",
                    ref.get("SIZE"),
                    ref.get("CHECKSUM"),
                    ref.get("CHECKSUMTYPE"),
                    ref.get("MIMETYPE"),
                )
            )
    return references


def _attributes(
    el: etree._Element,
    where: str,
    rules: tuple[tuple[str, str | None, str], ...],
    problem: _Reporter,
) -> None:
    for attribute, fixed, requirement in rules:
        value = el.get(attribute)
        shown = etree.QName(attribute).localname
        if not value:
            problem("csip-attribute-missing", where, f"@{shown} is mandatory", requirement)
        elif fixed is not None and value != fixed:
            problem(
                "csip-attribute-invalid",
                where,
                f"@{shown} must be {fixed!r}, not {value!r}",
                requirement,
            )
        elif attribute == "MIMETYPE" and not _MIMETYPE.fullmatch(value):
            problem("mets-mimetype-invalid", where, f"{value!r} is not a mime type", requirement)


def _check_file_sec(
    root: etree._Element, path: str, problem: _Reporter, references: list[FileReference]
) -> dict[str, str]:
    """Checks the file section; returns each file group's ID -> USE."""
    groups: dict[str, str] = {}
    for file_sec in root.findall(_m("fileSec")):
        if not file_sec.get("ID"):
            problem("csip-id-missing", "fileSec", "fileSec/@ID is mandatory", "CSIP59")
        for group in file_sec.iter(_m("fileGrp")):
            group_id = group.get("ID", "")
            use = group.get("USE", "")
            where = f"fileGrp {group_id or use or '?'}"
            if not group_id:
                problem("csip-id-missing", where, "fileGrp/@ID is mandatory", "CSIP65")
            else:
                groups[group_id] = use
            if not use:
                problem("csip-attribute-missing", where, "fileGrp/@USE is mandatory", "CSIP64")
            if group.find(_m("file")) is None and group.find(_m("fileGrp")) is None:
                problem("csip-filegrp-empty", where, "a file group holds files", "CSIP66")
            for f in group.findall(_m("file")):
                references += _check_file(f, where, path, problem)
    return groups


def _check_file(
    f: etree._Element, group: str, path: str, problem: _Reporter
) -> list[FileReference]:
    where = f"{group}/file {f.get('ID', '?')}"
    rules = (
        ("ID", None, "CSIP67"),
        ("MIMETYPE", None, "CSIP68"),
        ("SIZE", None, "CSIP69"),
        ("CREATED", None, "CSIP70"),
        ("CHECKSUM", None, "CSIP71"),
        ("CHECKSUMTYPE", None, "CSIP72"),
    )
    _attributes(f, where, rules, problem)
    locations = f.findall(_m("FLocat"))
    if len(locations) != 1:
        problem("csip-flocat-missing", where, "exactly one FLocat is mandatory", "CSIP76")
        return []
    location = locations[0]
    loc_rules = (
        ("LOCTYPE", "URL", "CSIP77"),
        (q(XLINK, "type"), "simple", "CSIP78"),
        (q(XLINK, "href"), None, "CSIP79"),
    )
    _attributes(location, f"{where}/FLocat", loc_rules, problem)
    href = location.get(q(XLINK, "href"))
    if not href:
        return []
    return [
        FileReference(
            href,
            f"{path}: {where}",
            f.get("SIZE"),
            f.get("CHECKSUM"),
            f.get("CHECKSUMTYPE"),
            f.get("MIMETYPE"),
        )
    ]


def _check_struct_map(
    root: etree._Element, groups: dict[str, str], package_level: bool, problem: _Reporter
) -> list[tuple[str, str]]:
    csip_maps = [s for s in root.findall(_m("structMap")) if s.get("LABEL") == "CSIP"]
    if len(csip_maps) != 1:
        problem(
            "csip-structmap-missing",
            "structMap",
            f"exactly one structMap LABEL='CSIP' is mandatory, found {len(csip_maps)}",
            "CSIP80" if not csip_maps else "CSIP82",
        )
        return []
    struct = csip_maps[0]
    if struct.get("TYPE") != "PHYSICAL":
        problem("csip-attribute-invalid", "structMap", "@TYPE must be 'PHYSICAL'", "CSIP81")
    if not struct.get("ID"):
        problem("csip-id-missing", "structMap", "structMap/@ID is mandatory", "CSIP83")
    tops = struct.findall(_m("div"))
    if len(tops) != 1:
        problem("csip-div-invalid", "structMap", "the structMap holds a single div", "CSIP84")
        return []
    top = tops[0]
    if not top.get("ID"):
        problem("csip-id-missing", "structMap/div", "the main div's @ID is mandatory", "CSIP85")
    if top.get("LABEL") != root.get("OBJID"):
        problem(
            "csip-div-invalid",
            "structMap/div",
            f"the main div's @LABEL {top.get('LABEL')!r} is not the OBJID",
            "CSIP86",
        )
    divisions = top.findall(_m("div"))
    for div in divisions:
        if not div.get("ID"):
            problem(
                "csip-id-missing", f"div {div.get('LABEL', '?')}", "@ID is mandatory", "CSIP106"
            )
    by_label: dict[str, list[etree._Element]] = {}
    for div in divisions:
        by_label.setdefault(div.get("LABEL", ""), []).append(div)

    has_metadata = root.find(_m("dmdSec")) is not None or root.find(_m("amdSec")) is not None
    if has_metadata and len(by_label.get("Metadata", [])) != 1:
        problem(
            "csip-div-missing",
            "structMap",
            "one div LABEL='Metadata' is mandatory "
            "when there is descriptive or administrative metadata",
            "CSIP88",
        )
    for label, id_req, ref_reqs in (
        ("Metadata", "CSIP89", ()),
        ("Documentation", "CSIP94", ("CSIP96", "CSIP116")),
        ("Schemas", "CSIP98", ("CSIP100", "CSIP118")),
        ("Representations", "CSIP102", ("CSIP104", "CSIP119")),
    ):
        found = by_label.get(label, [])
        for div in found:
            if not div.get("ID"):
                problem("csip-id-missing", f"div {label}", "@ID is mandatory", id_req)
        wanted = sorted(g for g, use in groups.items() if use == label)
        if not ref_reqs or not wanted:
            continue
        pointed = {fptr.get("FILEID") for div in found for fptr in div.findall(_m("fptr"))}
        for group_id in wanted:
            if group_id not in pointed:
                problem(
                    "csip-filegrp-unreferenced",
                    f"div {label}",
                    f"file group {group_id} (USE {label!r}) has no fptr in div {label!r}",
                    ref_reqs[0] if found else ref_reqs[1],
                )
    if package_level:
        uses = set(groups.values())
        if not any(u == "Representations" or u.startswith("Representations/") for u in uses):
            problem(
                "csip-filegrp-missing",
                "fileSec",
                "a file group USE='Representations…' is mandatory",
                "CSIP114",
            )
    return _representation_divisions(top, groups, problem)


def _representation_divisions(
    top: etree._Element, groups: dict[str, str], problem: _Reporter
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    representation_uses = {u for u in groups.values() if u.startswith("Representations/")}
    for div in top.findall(_m("div")):
        pointers = div.findall(_m("mptr"))
        label = div.get("LABEL", "")
        if not pointers and not label.startswith("Representations/"):
            continue
        where = f"div {label or div.get('ID', '?')}"
        if len(pointers) != 1:
            problem("csip-mptr-missing", where, "one mptr to the representation's METS", "CSIP109")
        if label not in representation_uses:
            problem(
                "csip-div-invalid",
                where,
                f"the representation div's @LABEL {label!r} is no file group's USE",
                "CSIP107",
            )
        pointed = {fptr.get("FILEID") for fptr in div.findall(_m("fptr"))}
        if not any(groups.get(p or "", "").startswith("Representations") for p in pointed):
            problem(
                "csip-filegrp-unreferenced",
                where,
                "no fptr to the representation's file group",
                "CSIP108",
            )
        for mptr in pointers:
            rules = (
                (q(XLINK, "href"), None, "CSIP110"),
                (q(XLINK, "type"), "simple", "CSIP111"),
                ("LOCTYPE", "URL", "CSIP112"),
            )
            _attributes(mptr, f"{where}/mptr", rules, problem)
            href = mptr.get(q(XLINK, "href"))
            if href:
                found.append((href, where))
    return found
