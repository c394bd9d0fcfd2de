"""A small dossier to package, and the ways tests take a package apart and put it back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from lienthong.archive import bag
from lienthong.archive.metadata import read_dossier
from lienthong.archive.package import write_package
from lienthong.archive.xmlio import METS, XLINK

CREATED = dt.datetime(2025, 4, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
FILE_CODE = "000.00.00.H15.2025.01"


def pdf(text: str) -> bytes:
    return f"%PDF-1.7\n% {text}\n%%EOF\n".encode()


def metadata(files: list[str]) -> dict[str, Any]:
    return {
        "dossier": {
            "fileCode": FILE_CODE,
            "title": "Hồ sơ xây dựng kế hoạch năm 2025",
            "maintenance": "01",
            "mode": "01",
            "language": "Tiếng Việt",
            "startDate": "2025-01-02",
            "endDate": "2025-03-31",
            "keyword": ["kế hoạch", "2025"],
            "totalDoc": len(files),
            "confidenceLevel": "01",
        },
        "documents": [
            {
                "file": name,
                "docCode": f"{FILE_CODE}.{n:04d}",
                "typeName": "Quyết định",
                "codeNumber": str(n),
                "codeNotation": "QĐ-UBND",
                "issuedDate": "2025-02-10",
                "organName": "UBND tỉnh Đắk Lắk",
                "subject": f"Về việc số {n}",
            }
            for n, name in enumerate(files, start=1)
        ],
    }


def dossier_folder(root: Path, count: int = 3) -> tuple[Path, Path]:
    """A folder of ``count`` PDF documents (one with a Vietnamese name) and its metadata file."""
    folder = root / "documents"
    folder.mkdir(parents=True)
    names = [f"qd-{n:04d}.pdf" for n in range(1, count)] + ["Công văn cuối.pdf"]
    for name in names:
        (folder / name).write_bytes(pdf(name))
    meta = root / "metadata.json"
    meta.write_text(json.dumps(metadata(names), ensure_ascii=False), encoding="utf-8")
    return folder, meta


def make_package(root: Path, count: int = 3) -> Path:
    folder, meta = dossier_folder(root, count)
    data = json.loads(meta.read_text(encoding="utf-8"))
    present = sorted(p.name for p in folder.iterdir())
    dossier = read_dossier(data, frozenset(present))
    out = root / "package.zip"
    with out.open("wb") as stream:
        write_package(dossier, {n: folder / n for n in present}, stream, created=CREATED)
    return out


def unpack(package: Path, into: Path) -> Path:
    """The bag's folder, unpacked."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(into)
    (top,) = into.iterdir()
    return top


def ip_root(bag_folder: Path) -> Path:
    (ip,) = (bag_folder / "data").iterdir()
    return ip


def reseal(bag_folder: Path) -> None:
    """After an edit of the representation METS: record its new size and checksum in the
    package METS, then re-make the bag, so that only the edit itself is left to find."""
    ip = ip_root(bag_folder)
    rep = (ip / "representations/rep1/METS.xml").read_bytes()
    tree = etree.parse(str(ip / "METS.xml"))
    for f in tree.getroot().iter(f"{{{METS}}}file"):
        location = f.find(f"{{{METS}}}FLocat")
        if location is not None and location.get(f"{{{XLINK}}}href", "").endswith("METS.xml"):
            f.set("SIZE", str(len(rep)))
            f.set("CHECKSUM", hashlib.sha256(rep).hexdigest())
    tree.write(str(ip / "METS.xml"), xml_declaration=True, encoding="UTF-8")
    rebag(bag_folder)


def rebag(bag_folder: Path) -> None:
    """Re-make the bag's manifests, so that a change inside the payload is left for the METS
    checks alone to find."""
    payload = {
        p.relative_to(bag_folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (bag_folder / "data").rglob("*")
        if p.is_file()
    }
    (bag_folder / "manifest-sha256.txt").write_bytes(bag.manifest(payload))
    size = sum((bag_folder / p).stat().st_size for p in payload)
    info = [
        line.split(": ", 1)
        for line in (bag_folder / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    ]
    fields = [(k, f"{size}.{len(payload)}" if k == "Payload-Oxum" else v) for k, v in info]
    (bag_folder / "bag-info.txt").write_bytes(bag.bag_info(fields))
    tags = {
        name: hashlib.sha256((bag_folder / name).read_bytes()).hexdigest()
        for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
    }
    (bag_folder / "tagmanifest-sha256.txt").write_bytes(bag.manifest(tags))


def rezip(package: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> Path:
    """A copy of the zip with some members' contents replaced (by name suffix) or added."""
    out = package.with_name("tampered.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(buffer, "w") as dst:
        top = src.namelist()[0].split("/", 1)[0]
        for info in src.infolist():
            data = src.read(info)
            for suffix, new in replace.items():
                if info.filename.endswith(suffix):
                    data = new
            dst.writestr(info, data)
        for name, data in (add or {}).items():
            dst.writestr(f"{top}/{name}", data)
    out.write_bytes(buffer.getvalue())
    return out


def codes(report: Any) -> set[str]:
    return {p.code for p in report.problems}
