"""Checking a package: any change to a file, a checksum or a METS entry is caught, with the code
that says what is wrong; packages laid out by other systems are accepted."""

from __future__ import annotations

import hashlib
import shutil
import socket
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from lienthong.archive import metsschema
from lienthong.archive.errors import PackageUnreadableError
from lienthong.archive.verify import verify_package
from lienthong.archive.xmlio import METS

from .sample_dossier import codes, ip_root, make_package, pdf, rebag, reseal, rezip, unpack


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_package(tmp_path)


@pytest.fixture
def bag_folder(package: Path, tmp_path: Path) -> Path:
    return unpack(package, tmp_path / "unpacked")


def _rep_mets(bag_folder: Path) -> Path:
    return ip_root(bag_folder) / "representations/rep1/METS.xml"


def _edit_rep_mets(bag_folder: Path, old: bytes, new: bytes) -> None:
    path = _rep_mets(bag_folder)
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def test_an_unpacked_package_verifies_like_the_zip(bag_folder: Path) -> None:
    assert verify_package(bag_folder).valid


def test_a_changed_document_in_the_zip_is_caught(package: Path) -> None:
    tampered = rezip(package, {"data/qd-0001.pdf": pdf("forged")})
    assert {"bag-checksum-mismatch", "mets-checksum-mismatch"} <= codes(verify_package(tampered))
    assert not verify_package(tampered).valid


def test_a_changed_document_of_the_same_size_is_caught(bag_folder: Path) -> None:
    document = ip_root(bag_folder) / "representations/rep1/data/qd-0002.pdf"
    data = bytearray(document.read_bytes())
    data[-3] ^= 1
    document.write_bytes(bytes(data))
    report = verify_package(bag_folder)
    assert codes(report) == {"bag-checksum-mismatch", "mets-checksum-mismatch"}
    (mets_problem,) = [p for p in report.problems if p.code == "mets-checksum-mismatch"]
    assert mets_problem.requirement == "CSIP71"


def test_each_changed_metadata_file_is_caught(bag_folder: Path) -> None:
    for name in ("metadata/descriptive/ead.xml", "metadata/preservation/premis.xml"):
        path = ip_root(bag_folder) / name
        original = path.read_bytes()
        path.write_bytes(original.replace(b"2025", b"2026", 1))
        rebag(bag_folder)
        report = verify_package(bag_folder)
        assert "mets-checksum-mismatch" in codes(report), name
        path.write_bytes(original)
    rebag(bag_folder)
    assert verify_package(bag_folder).valid


def test_a_changed_manifest_checksum_is_caught(bag_folder: Path) -> None:
    manifest = bag_folder / "manifest-sha256.txt"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    checksum, path = lines[0].split("  ", 1)
    lines[0] = f"{'0' * len(checksum)}  {path}"
    manifest.write_text("".join(lines), encoding="utf-8")
    report = verify_package(bag_folder)
    assert codes(report) == {"bag-checksum-mismatch", "bag-tag-checksum-mismatch"}


def test_a_changed_mets_filesec_checksum_is_caught(bag_folder: Path) -> None:
    rep = etree.parse(str(_rep_mets(bag_folder)))
    first = next(rep.getroot().iter(f"{{{METS}}}file"))
    checksum = first.get("CHECKSUM") or ""
    _edit_rep_mets(bag_folder, checksum.encode(), b"f" * 64)
    reseal(bag_folder)  # the bag agrees: only the METS is wrong
    report = verify_package(bag_folder)
    assert codes(report) == {"mets-checksum-mismatch"}


def test_a_removed_file_reference_is_caught(bag_folder: Path) -> None:
    path = _rep_mets(bag_folder)
    tree = etree.parse(str(path))
    first = next(tree.getroot().iter(f"{{{METS}}}file"))
    parent = first.getparent()
    assert parent is not None
    parent.remove(first)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    reseal(bag_folder)
    report = verify_package(bag_folder)
    assert codes(report) == {"mets-file-unreferenced"}
    assert report.problems[0].where.endswith("representations/rep1/data/qd-0001.pdf")


def test_a_reference_to_a_missing_file_is_caught(bag_folder: Path) -> None:
    (ip_root(bag_folder) / "representations/rep1/data/qd-0001.pdf").unlink()
    report = verify_package(bag_folder)
    assert {"bag-file-missing", "mets-file-missing"} <= codes(report)


def test_a_wrong_mimetype_is_caught(bag_folder: Path) -> None:
    _edit_rep_mets(bag_folder, b'MIMETYPE="application/pdf"', b'MIMETYPE="image/png"')
    reseal(bag_folder)
    report = verify_package(bag_folder)
    assert codes(report) == {"mets-mimetype-mismatch"}
    assert report.problems[0].requirement == "CSIP68"


def test_a_wrong_size_is_caught(bag_folder: Path) -> None:
    _edit_rep_mets(bag_folder, b'SIZE="', b'SIZE="9')
    reseal(bag_folder)
    assert codes(verify_package(bag_folder)) == {"mets-size-mismatch"}


def test_an_extra_file_in_the_payload_is_caught(package: Path) -> None:
    tampered = rezip(package, {}, add={"data/extra.txt": b"not in any manifest"})
    report = verify_package(tampered)
    assert "bag-file-unlisted" in codes(report)


def test_an_extra_file_in_the_package_is_caught_even_when_the_bag_lists_it(
    bag_folder: Path,
) -> None:
    (ip_root(bag_folder) / "representations/rep1/data/smuggled.pdf").write_bytes(pdf("x"))
    rebag(bag_folder)
    assert codes(verify_package(bag_folder)) == {"mets-file-unreferenced"}


def test_a_lost_bagit_txt_is_caught(bag_folder: Path) -> None:
    (bag_folder / "bagit.txt").unlink()
    assert "bag-declaration-missing" in codes(verify_package(bag_folder))


def test_a_mets_that_breaks_the_schema_is_caught(bag_folder: Path) -> None:
    _edit_rep_mets(bag_folder, b'LOCTYPE="URL"', b'LOCTYPE="CARRIER-PIGEON"')
    reseal(bag_folder)
    report = verify_package(bag_folder)
    assert "mets-schema-invalid" in codes(report)
    assert "csip-attribute-invalid" in codes(report)  # CSIP77: LOCTYPE is URL


def test_a_broken_csip_requirement_is_named(bag_folder: Path) -> None:
    mets = ip_root(bag_folder) / "METS.xml"
    mets.write_bytes(mets.read_bytes().replace(b' csip:NOTETYPE="SOFTWARE VERSION"', b"", 1))
    rebag(bag_folder)
    report = verify_package(bag_folder)
    assert [(p.code, p.requirement) for p in report.problems] == [("csip-agent-invalid", "CSIP16")]
    assert "CSIP16" in report.checked


def test_a_representation_label_that_is_not_the_objid_is_caught(bag_folder: Path) -> None:
    _edit_rep_mets(bag_folder, b'LABEL="rep1"', b'LABEL="another"')
    reseal(bag_folder)
    report = verify_package(bag_folder)
    assert [p.requirement for p in report.problems] == ["CSIP86"]


def test_a_bare_csip_package_without_a_bag_is_accepted(bag_folder: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(ip_root(bag_folder), bare / ip_root(bag_folder).name)
    report = verify_package(bare)
    assert report.valid, report.problems
    assert report.envelope == "none"
    zipped = tmp_path / "bare.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in sorted(bare.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(bare).as_posix())
    assert verify_package(zipped).valid


def test_a_bag_whose_payload_is_the_package_itself_is_accepted(
    bag_folder: Path, tmp_path: Path
) -> None:
    # Another system's layout: METS.xml directly in data/, hrefs prefixed with "file:".
    other = tmp_path / "other"
    shutil.copytree(bag_folder, other)
    ip = ip_root(other)
    for child in list(ip.iterdir()):
        child.rename(other / "data" / child.name)
    ip.rmdir()
    mets = other / "data/METS.xml"
    mets.write_bytes(
        mets.read_bytes()
        .replace(b'xlink:href="', b'xlink:href="file:')
        .replace(ip.name.encode(), b"other")
    )
    rebag(other)
    report = verify_package(other)
    assert report.valid, report.problems


def test_something_that_is_no_package_is_refused(tmp_path: Path) -> None:
    not_a_zip = tmp_path / "x.zip"
    not_a_zip.write_bytes(b"hello")
    with pytest.raises(PackageUnreadableError):
        verify_package(not_a_zip)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert codes(verify_package(empty)) == {"mets-missing"}


def test_the_mets_schema_loads_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    metsschema.mets_schema.cache_clear()
    try:
        assert metsschema.mets_schema() is not None
    finally:
        metsschema.mets_schema.cache_clear()


def test_the_checksum_of_the_manifest_itself_is_in_the_tag_manifest(bag_folder: Path) -> None:
    tag = (bag_folder / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    digest = hashlib.sha256((bag_folder / "manifest-sha256.txt").read_bytes()).hexdigest()
    assert f"{digest}  manifest-sha256.txt" in tag


def test_an_extra_file_beside_the_csip_package_in_the_bag_is_caught(bag_folder: Path) -> None:
    (bag_folder / "data" / "beside.txt").write_bytes(b"listed in the bag, named by no METS")
    rebag(bag_folder)
    report = verify_package(bag_folder)
    assert [(p.code, p.where) for p in report.problems] == [
        ("mets-file-unreferenced", "data/beside.txt")
    ]


def test_a_zip_with_two_members_of_one_name_is_refused(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".pdf"))
    with pytest.warns(UserWarning), zipfile.ZipFile(package, "a") as archive:
        archive.writestr(name, pdf("shadow"))
    with pytest.raises(PackageUnreadableError):
        verify_package(package)


FOREIGN_METS = """<?xml version="1.0" encoding="UTF-8"?>
<mets xmlns="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink"
      xmlns:csip="https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
      OBJID="other-sip" TYPE="Mixed" PROFILE="https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml">
  <metsHdr CREATEDATE="2024-11-05T10:00:00+01:00" csip:OAISPACKAGETYPE="SIP">
    <agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE">
      <name>another archiving tool</name>
      <note csip:NOTETYPE="SOFTWARE VERSION">7.2</note>
    </agent>
  </metsHdr>
  <fileSec ID="fs">
    <fileGrp ID="content" USE="Representations">
      <file ID="f1" MIMETYPE="application/pdf" SIZE="{size}" CREATED="2024-11-05T10:00:00Z"
            CHECKSUM="{md5}" CHECKSUMTYPE="MD5">
        <FLocat LOCTYPE="URL" xlink:type="simple"
                xlink:href="file:content/b%C3%A1o%20c%C3%A1o.pdf"/>
      </file>
    </fileGrp>
  </fileSec>
  <structMap TYPE="PHYSICAL" LABEL="CSIP" ID="sm">
    <div ID="d0" LABEL="other-sip">
      <div ID="d1" LABEL="Representations"><fptr FILEID="content"/></div>
    </div>
  </structMap>
</mets>
"""


def test_a_package_from_another_system_is_accepted(tmp_path: Path) -> None:
    # Written by hand, not by lienthong: MD5 everywhere, no metadata, content straight in the
    # Representations group, a percent-encoded "file:" href, an MD5 bag manifest.
    document = pdf("báo cáo")
    md5 = hashlib.md5(document).hexdigest()
    mets = FOREIGN_METS.format(size=len(document), md5=md5).encode()
    root = tmp_path / "foreign"
    (root / "data/content").mkdir(parents=True)
    (root / "data/content/báo cáo.pdf").write_bytes(document)
    (root / "data/METS.xml").write_bytes(mets)
    (root / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    (root / "manifest-md5.txt").write_text(
        f"{hashlib.md5(mets).hexdigest()} data/METS.xml\n{md5} data/content/báo cáo.pdf\n",
        encoding="utf-8",
    )
    report = verify_package(root)
    assert report.valid, report.problems
    (root / "data/content/báo cáo.pdf").write_bytes(pdf("báo cáo sửa"))
    assert {"bag-checksum-mismatch", "mets-checksum-mismatch", "mets-size-mismatch"} <= codes(
        verify_package(root)
    )


def test_a_damaged_zip_member_is_an_invalid_package_not_a_crash(package: Path) -> None:
    raw = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        member = next(i for i in archive.infolist() if i.filename.endswith(".pdf"))
    # The member's data starts after its local header (30 bytes, then its name and extra field).
    name_length = int.from_bytes(
        raw[member.header_offset + 26 : member.header_offset + 28], "little"
    )
    extra_length = int.from_bytes(
        raw[member.header_offset + 28 : member.header_offset + 30], "little"
    )
    start = member.header_offset + 30 + name_length + extra_length
    raw[start + member.compress_size // 2] ^= 0xFF
    package.write_bytes(bytes(raw))

    report = verify_package(package)
    assert not report.valid
    assert codes(report) == {"zip-damaged"}
