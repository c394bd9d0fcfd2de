"""Checking a package made by any system: the BagIt envelope when there is one, then, from the
package ``METS.xml`` down through each representation's METS, the schema, the CSIP
requirements ``csip_rules.CHECKED``, and every file a METS points to (present, size, checksum,
mime type), and that no file of the package is left unreferenced.

Only CSIP is assumed: the METS is found at the top of the payload (or of the one folder in it),
paths are taken relative to the METS that names them, any METS checksum type is accepted.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from . import bag, csip_rules
from .files import HASHES, Digests, PackageFiles, join, open_package, parent
from .metsschema import schema_errors
from .problems import Problem
from .xmlio import XmlUnreadable, parse_xml

# File signatures recognised, and the declared types each is compatible with.
_SIGNATURES: Final = (
    (b"%PDF-", ("application/pdf",)),
    (b"\x89PNG\r\n\x1a\n", ("image/png",)),
    (b"\xff\xd8\xff", ("image/jpeg",)),
    (b"GIF8", ("image/gif",)),
    (b"<?xml", ("application/xml", "text/xml", "+xml")),
)
_ID_REQUIREMENT: Final = {
    "dmdSec": "CSIP18",
    "digiprovMD": "CSIP33",
    "rightsMD": "CSIP46",
    "fileSec": "CSIP59",
    "fileGrp": "CSIP65",
    "file": "CSIP67",
    "structMap": "CSIP83",
    "div": "CSIP106",
}


@dataclass
class VerifyReport:
    valid: bool = True
    problems: list[Problem] = field(default_factory=list)
    checked: tuple[str, ...] = csip_rules.CHECKED
    envelope: str = "none"  # "bagit" when the package is a bag
    mets: list[str] = field(default_factory=list)  # the METS documents read
    files: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "problems": [p.as_dict() for p in self.problems],
            "checked": list(self.checked),
            "envelope": self.envelope,
            "mets": self.mets,
            "files": self.files,
        }


def verify_package(path: Path) -> VerifyReport:
    """Check the package at ``path`` (a zip or an unpacked folder); never raises for what is
    wrong inside it, only PackageUnreadableError when it is neither."""
    try:
        with open_package(path) as files:
            return verify_files(files)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # A member whose bytes no longer match the zip's own CRC (bit rot, a torn copy).
        damaged = Problem("zip-damaged", path.name, f"a member of the zip is damaged: {exc}")
        return VerifyReport(valid=False, problems=[damaged])


def verify_files(files: PackageFiles) -> VerifyReport:
    report = VerifyReport()
    names = files.names()
    digests = Digests(files)
    top = bag.find_bag(names)
    payload_prefix = ""
    if top is not None:
        report.envelope = "bagit"
        report.problems += [_prefixed(p, top) for p in bag.check_bag(files, top, digests)]
        payload_prefix = f"{top}data/"
    ip = _find_ip(names, payload_prefix)
    if ip is None:
        report.problems.append(
            Problem("mets-missing", payload_prefix or "/", "no METS.xml at the package's top")
        )
    else:
        _check_ip(files, names, ip, payload_prefix, digests, report)
    report.valid = not report.problems
    return report


def _prefixed(problem: Problem, top: str) -> Problem:
    return Problem(problem.code, top + problem.where, problem.message, problem.requirement)


def _find_ip(names: list[str], prefix: str) -> str | None:
    """The IP's root folder ("…/" or ""): where the package METS.xml is."""
    if f"{prefix}METS.xml" in names:
        return prefix
    candidates = {
        n[: -len("METS.xml")]
        for n in names
        if n.startswith(prefix) and n.endswith("/METS.xml") and n[len(prefix) :].count("/") == 1
    }
    return candidates.pop() if len(candidates) == 1 else None


def _check_ip(
    files: PackageFiles,
    names: list[str],
    ip: str,
    payload: str,
    digests: Digests,
    report: VerifyReport,
) -> None:
    """Check the CSIP package whose root folder is ``ip``; every file under ``payload`` (the
    bag's ``data/``, or the whole package without a bag) must be named by one of its METS."""
    in_package = set(names)
    referenced: set[str] = set()
    seen_ids: dict[str, str] = {}
    queue: list[tuple[str, bool]] = [(f"{ip}METS.xml", True)]
    done: set[str] = set()
    while queue:
        mets_path, package_level = queue.pop(0)
        if mets_path in done:
            continue
        done.add(mets_path)
        referenced.add(mets_path)
        report.mets.append(mets_path)
        try:
            tree = parse_xml(files.read(mets_path))
        except XmlUnreadable as exc:
            report.problems.append(Problem("mets-unreadable", mets_path, str(exc)))
            continue
        for line, message in schema_errors(tree):
            report.problems.append(Problem("mets-schema-invalid", f"{mets_path}:{line}", message))
        reading = csip_rules.check_mets(tree.getroot(), mets_path, package_level=package_level)
        report.problems += reading.problems
        for ident, element, where in reading.ids:
            if ident in seen_ids:
                report.problems.append(
                    Problem(
                        "csip-id-duplicate",
                        where,
                        f"ID {ident!r} also used in {seen_ids[ident]}: IDs are unique "
                        "within the package",
                        _ID_REQUIREMENT.get(element),
                    )
                )
            seen_ids.setdefault(ident, where)
        folder = parent(mets_path)
        if package_level:
            report.problems += _conditional_groups(tree.getroot(), names, ip, mets_path)
        for ref in reading.references:
            target = _resolve(folder, ref.href)
            if target is None:
                report.problems.append(
                    Problem(
                        "mets-href-invalid",
                        ref.where,
                        f"{ref.href!r}: not a path inside the package",
                        "CSIP79",
                    )
                )
                continue
            referenced.add(target)
            if target not in in_package:
                report.problems.append(
                    Problem("mets-file-missing", ref.where, f"{target}: no such file", "CSIP79")
                )
                continue
            report.problems += _check_file(files, digests, target, ref)
            if package_level and target.endswith("/METS.xml") and "representations/" in target:
                queue.append((target, False))
        for href, where in reading.representations:
            target = _resolve(folder, href)
            if target is None or target not in in_package:
                report.problems.append(
                    Problem("mets-file-missing", where, f"{href!r}: no such METS", "CSIP110")
                )
                continue
            queue.append((target, False))
    for name in names:
        if name.startswith(payload) and name not in referenced:
            report.problems.append(
                Problem(
                    "mets-file-unreferenced",
                    name,
                    "in the package but in no METS file section or metadata reference",
                )
            )
    report.files = len([n for n in names if n.startswith(ip)])


def _conditional_groups(root: object, names: list[str], ip: str, where: str) -> list[Problem]:
    """CSIP60 and CSIP113: documentation and schemas, when the package has some, are in a file
    group of that USE."""
    from lxml import etree

    assert isinstance(root, etree._Element)
    uses = {g.get("USE", "") for g in root.iter("{http://www.loc.gov/METS/}fileGrp")}
    problems = []
    for folder, use, requirement in (
        ("documentation/", "Documentation", "CSIP60"),
        ("schemas/", "Schemas", "CSIP113"),
    ):
        if any(n.startswith(ip + folder) for n in names) and use not in uses:
            problems.append(
                Problem(
                    "csip-filegrp-missing",
                    where,
                    f"{folder} has files but no file group USE={use!r}",
                    requirement,
                )
            )
    return problems


def _resolve(folder: str, href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme not in ("", "file") or parts.netloc or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return None
    return join(folder, path)


def _check_file(
    files: PackageFiles, digests: Digests, target: str, ref: csip_rules.FileReference
) -> list[Problem]:
    problems: list[Problem] = []
    if ref.size is not None and ref.size.isdigit() and int(ref.size) != files.size(target):
        problems.append(
            Problem(
                "mets-size-mismatch",
                ref.where,
                f"{target}: SIZE {ref.size} but the file has {files.size(target)} bytes",
                "CSIP69",
            )
        )
    if ref.checksum and ref.checksum_type:
        if ref.checksum_type not in HASHES or ref.checksum_type.islower():
            problems.append(
                Problem(
                    "mets-checksum-type-unsupported",
                    ref.where,
                    f"{ref.checksum_type!r} cannot be checked here",
                    "CSIP72",
                )
            )
        elif digests.of(target, ref.checksum_type) != ref.checksum.strip().lower():
            problems.append(
                Problem(
                    "mets-checksum-mismatch",
                    ref.where,
                    f"{target}: {ref.checksum_type} differs from CHECKSUM",
                    "CSIP71",
                )
            )
    if ref.mimetype:
        problems += _check_mimetype(digests, target, ref)
    return problems


def _check_mimetype(digests: Digests, target: str, ref: csip_rules.FileReference) -> list[Problem]:
    declared = (ref.mimetype or "").split(";")[0].strip().lower()
    head = digests.head(target).lstrip(b"\xef\xbb\xbf")
    for signature, compatible in _SIGNATURES:
        if head.startswith(signature):
            if not any(
                declared == c or (c.startswith("+") and declared.endswith(c)) for c in compatible
            ):
                return [
                    Problem(
                        "mets-mimetype-mismatch",
                        ref.where,
                        f"{target}: declared {declared!r} but the content is {compatible[0]}",
                        "CSIP68",
                    )
                ]
            break
    return []
