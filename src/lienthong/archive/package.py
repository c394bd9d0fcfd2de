"""Making a package: a dossier and its documents into an E-ARK CSIP 2.0.4 SIP inside a zipped
BagIt bag, written in one pass to the stream given (each document is read once).

Layout (``ID`` is the package identifier, the METS ``OBJID``)::

    ID/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    ID/data/ID/METS.xml                               the package METS
    ID/data/ID/metadata/descriptive/ead.xml           dossier and document fields (EAD 2002)
    ID/data/ID/metadata/preservation/premis.xml       objects, fixity, events (PREMIS 3)
    ID/data/ID/documentation/metadata.json            the §5 fields as given
    ID/data/ID/schemas/…                              the XML schemas the METS uses
    ID/data/ID/representations/rep1/METS.xml          the documents' METS (checksums)
    ID/data/ID/representations/rep1/data/…            the documents

The same inputs and ``created`` give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Final

from . import bag
from .ead import ead_xml
from .files import CHUNK
from .metadata import Dossier
from .mets import MetadataRef, MetsFile, Representation, package_mets, representation_mets
from .premis import PreservationEvent, Software, StoredFile, premis_xml

REPRESENTATION: Final = "rep1"
SCHEMAS: Final = ("mets.xsd", "xlink.xsd", "DILCISExtensionMETS.xsd")
_MIME = mimetypes.MimeTypes()  # the built-in table only: the same answer on every machine
# Formats that compress their own content: deflating them again costs time and saves nothing.
_STORED: Final = frozenset(
    {
        ".pdf",
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".zip",
        ".docx",
        ".xlsx",
        ".pptx",
        ".odt",
        ".ods",
        ".mp3",
        ".mp4",
        ".p7s",
        ".gz",
    }
)


def software() -> Software:
    try:
        return Software("lienthong", version("lienthong"))
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return Software("lienthong", "0+unknown")


def package_id_for(dossier: Dossier, created: dt.datetime) -> str:
    """A stable identifier: the same dossier packaged at the same time gets the same one."""
    name = f"lienthong:{dossier.file_code}:{created.astimezone(dt.UTC).isoformat()}"
    return f"uuid-{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def mimetype(name: str) -> str:
    guessed, _ = _MIME.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class PackageSummary:
    package_id: str
    documents: int
    payload_bytes: int
    files: int


def write_package(
    dossier: Dossier,
    sources: Mapping[str, Path],
    out: IO[bytes],
    *,
    created: dt.datetime,
    package_id: str | None = None,
    events: Sequence[PreservationEvent] = (),
) -> PackageSummary:
    """Write the package of ``dossier`` to ``out``; ``sources`` gives each document's file
    (by the ``file`` of its metadata). ``events`` are recorded after the package's creation."""
    ip_id = package_id or package_id_for(dossier, created)
    tool = software()
    writer = _BagWriter(out, ip_id, created)
    ip = f"data/{ip_id}/"
    rep = f"representations/{REPRESENTATION}/"

    stored: list[StoredFile] = []
    rep_files: list[MetsFile] = []
    for ordinal, document in enumerate(dossier.documents, start=1):
        size, sha = writer.add_file(f"{ip}{rep}data/{document.file}", sources[document.file])
        kind = mimetype(document.file)
        stored.append(StoredFile(f"{rep}data/{document.file}", document.file, size, sha, kind))
        rep_files.append(
            MetsFile(
                id=f"{REPRESENTATION}-file-{ordinal:05d}",
                href=f"data/{document.file}",
                mimetype=kind,
                size=size,
                sha256=sha,
                owner_id=document.fields["docCode"],
            )
        )
    label = dossier.fields["title"]
    rep_mets = representation_mets(
        name=REPRESENTATION, label=label, created=created, software=tool, data=rep_files
    )
    rep_mets_file = _bytes_file(writer, ip, f"{rep}METS.xml", rep_mets, f"{REPRESENTATION}-mets")

    creation = PreservationEvent(
        type="creation",
        at=created,
        outcome="success",
        detail=f"SIP of dossier {dossier.file_code}, {len(dossier.documents)} documents, "
        f"made by {tool.name} {tool.version}",
    )
    premis = premis_xml(ip_id, stored, [creation, *events], tool)
    preservation = MetadataRef(
        "digiprov-premis",
        _bytes_file(writer, ip, "metadata/preservation/premis.xml", premis, "premis"),
        "PREMIS",
    )
    descriptive = MetadataRef(
        "dmd-ead",
        _bytes_file(writer, ip, "metadata/descriptive/ead.xml", ead_xml(dossier, ip_id), "ead"),
        "EAD",
    )
    documentation = [
        _bytes_file(
            writer, ip, "documentation/metadata.json", _fields_json(dossier), "documentation-1"
        )
    ]
    schema_files = [
        _bytes_file(
            writer,
            ip,
            f"schemas/{name}",
            resources.files("lienthong.archive").joinpath("schemas", name).read_bytes(),
            f"schema-{n}",
        )
        for n, name in enumerate(SCHEMAS, start=1)
    ]
    root_mets = package_mets(
        package_id=ip_id,
        label=label,
        created=created,
        software=tool,
        descriptive=[descriptive],
        preservation=[preservation],
        documentation=documentation,
        schemas=schema_files,
        representations=[Representation(REPRESENTATION, rep_mets_file)],
    )
    writer.add_bytes(f"{ip}METS.xml", root_mets)
    writer.close(
        [
            ("External-Identifier", ip_id),
            ("External-Description", f"{dossier.file_code} — {label}"),
            ("Bagging-Date", created.astimezone(dt.UTC).date().isoformat()),
            ("Bag-Software-Agent", f"{tool.name} {tool.version}"),
        ]
    )
    return PackageSummary(ip_id, len(dossier.documents), writer.payload_bytes, len(writer.payload))


def _bytes_file(writer: _BagWriter, ip: str, path: str, data: bytes, file_id: str) -> MetsFile:
    size, sha = writer.add_bytes(ip + path, data)
    kind = "application/json" if path.endswith(".json") else "application/xml"
    return MetsFile(id=file_id, href=path, mimetype=kind, size=size, sha256=sha)


def _fields_json(dossier: Dossier) -> bytes:
    shown = {
        "dossier": dict(dossier.fields),
        "documents": [{"file": d.file, **d.fields} for d in dossier.documents],
    }
    return (json.dumps(shown, ensure_ascii=False, indent=2) + "\n").encode()


class _BagWriter:
    """Payload files first, each hashed as it is written, then the tag files."""

    def __init__(self, out: IO[bytes], top: str, created: dt.datetime) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.top = top
        when = created.astimezone(dt.UTC)
        self.date_time = (
            max(when.year, 1980),
            when.month,
            when.day,
            when.hour,
            when.minute,
            when.second,
        )
        self.payload: dict[str, str] = {}
        self.payload_bytes = 0

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.top}/{path}", self.date_time)
        stored = Path(path).suffix.lower() in _STORED
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16
        return info

    def add_file(self, path: str, source: Path) -> tuple[int, str]:
        h = hashlib.sha256()
        size = 0
        large = source.stat().st_size > 1 << 31
        with (
            source.open("rb") as src,
            self.zip.open(self._info(path), "w", force_zip64=large) as dst,
        ):
            while chunk := src.read(CHUNK):
                h.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        return self._record(path, size, h.hexdigest())

    def add_bytes(self, path: str, data: bytes) -> tuple[int, str]:
        self.zip.writestr(self._info(path), data)
        return self._record(path, len(data), hashlib.sha256(data).hexdigest())

    def _record(self, path: str, size: int, sha: str) -> tuple[int, str]:
        self.payload[path] = sha
        self.payload_bytes += size
        return size, sha

    def close(self, info: list[tuple[str, str]]) -> None:
        oxum = ("Payload-Oxum", f"{self.payload_bytes}.{len(self.payload)}")
        tags = {
            "bagit.txt": bag.BAGIT_TXT,
            "bag-info.txt": bag.bag_info([*info, oxum]),
            "manifest-sha256.txt": bag.manifest(self.payload),
        }
        for name, data in tags.items():
            self.zip.writestr(self._info(name), data)
        tag_digests = {name: hashlib.sha256(data).hexdigest() for name, data in tags.items()}
        self.zip.writestr(self._info("tagmanifest-sha256.txt"), bag.manifest(tag_digests))
        self.zip.close()
