"""Making a package: an E-ARK CSIP 2.0.4 SIP with EAD and PREMIS, inside a zipped BagIt bag."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from lienthong.archive.errors import MetadataError
from lienthong.archive.metadata import read_dossier
from lienthong.archive.metsschema import schema_errors
from lienthong.archive.verify import verify_package
from lienthong.archive.xmlio import EAD, METS, PREMIS, XLINK

from .sample_dossier import CREATED, FILE_CODE, ip_root, make_package, metadata, unpack


def test_a_package_verifies(tmp_path: Path) -> None:
    report = verify_package(make_package(tmp_path))
    assert report.valid, report.problems
    assert report.envelope == "bagit"
    assert len(report.mets) == 2  # the package's and the representation's


def test_the_same_dossier_and_time_give_the_same_bytes(tmp_path: Path) -> None:
    first = make_package(tmp_path / "a").read_bytes()
    second = make_package(tmp_path / "b").read_bytes()
    assert first == second


def test_the_zip_holds_one_bag_whose_payload_is_the_csip_package(tmp_path: Path) -> None:
    with zipfile.ZipFile(make_package(tmp_path)) as archive:
        names = archive.namelist()
    (top,) = {n.split("/", 1)[0] for n in names}
    ip = f"{top}/data/{top}/"
    assert {f"{top}/bagit.txt", f"{top}/manifest-sha256.txt", f"{top}/tagmanifest-sha256.txt"} <= (
        set(names)
    )
    assert f"{ip}METS.xml" in names
    assert f"{ip}representations/rep1/METS.xml" in names
    assert f"{ip}representations/rep1/data/Công văn cuối.pdf" in names
    assert f"{ip}metadata/descriptive/ead.xml" in names
    assert f"{ip}metadata/preservation/premis.xml" in names


def test_bagit_txt_and_the_manifest_follow_rfc_8493(tmp_path: Path) -> None:
    folder = unpack(make_package(tmp_path), tmp_path / "x")
    assert (folder / "bagit.txt").read_bytes() == (
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    )
    lines = (folder / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    payload = sorted(p for p in (folder / "data").rglob("*") if p.is_file())
    assert len(lines) == len(payload)
    for line in lines:
        checksum, path = line.split("  ", 1)
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == checksum
    info = (folder / "bag-info.txt").read_text(encoding="utf-8")
    size = sum(p.stat().st_size for p in payload)
    assert f"Payload-Oxum: {size}.{len(payload)}" in info


def test_both_mets_are_schema_valid_and_the_package_mets_follows_csip(tmp_path: Path) -> None:
    ip = ip_root(unpack(make_package(tmp_path), tmp_path / "x"))
    root_tree = etree.parse(str(ip / "METS.xml"))
    rep_tree = etree.parse(str(ip / "representations/rep1/METS.xml"))
    assert schema_errors(root_tree) == []
    assert schema_errors(rep_tree) == []
    mets = root_tree.getroot()
    ns = {"m": METS, "x": XLINK}
    assert mets.get("OBJID") == ip.name
    assert [d.get("LABEL") for d in mets.findall("m:structMap/m:div/m:div", ns)] == [
        "Metadata",
        "Documentation",
        "Schemas",
        "Representations/rep1",
    ]
    pointer = mets.find("m:structMap/m:div/m:div/m:mptr", ns)
    assert pointer is not None
    assert pointer.get(f"{{{XLINK}}}href") == "representations/rep1/METS.xml"


def test_the_representation_mets_names_each_document_with_its_sha256(tmp_path: Path) -> None:
    ip = ip_root(unpack(make_package(tmp_path), tmp_path / "x"))
    rep = ip / "representations/rep1"
    files = etree.parse(str(rep / "METS.xml")).getroot().iter(f"{{{METS}}}file")
    seen = {}
    for f in files:
        location = f.find(f"{{{METS}}}FLocat")
        assert location is not None
        href = location.get(f"{{{XLINK}}}href") or ""
        seen[href] = (f.get("CHECKSUMTYPE"), f.get("CHECKSUM"), f.get("MIMETYPE"), f.get("OWNERID"))
    documents = sorted((rep / "data").iterdir())
    assert len(seen) == len(documents) == 3
    encoded = "data/C%C3%B4ng%20v%C4%83n%20cu%E1%BB%91i.pdf"  # a URL, percent-encoded
    assert encoded in seen
    for document in documents:
        href = encoded if document.name.startswith("Công") else f"data/{document.name}"
        kind, checksum, mimetype, owner = seen[href]
        assert kind == "SHA-256"
        assert checksum == hashlib.sha256(document.read_bytes()).hexdigest()
        assert mimetype == "application/pdf"
        assert owner is not None and owner.startswith(FILE_CODE)


def test_ead_carries_every_dossier_and_document_field_under_its_circular_name(
    tmp_path: Path,
) -> None:
    ip = ip_root(unpack(make_package(tmp_path), tmp_path / "x"))
    ead = etree.parse(str(ip / "metadata/descriptive/ead.xml")).getroot()
    ns = {"e": EAD}
    assert ead.findtext("e:archdesc/e:did/e:unitid", namespaces=ns) == FILE_CODE
    labels = [el.text for el in ead.findall("e:archdesc/e:odd/e:list/e:defitem/e:label", ns)]
    assert set(metadata([])["dossier"]) <= set(labels)
    items = ead.findall("e:archdesc/e:dsc/e:c", ns)
    assert len(items) == 3
    first = {
        d.findtext("e:label", namespaces=ns): d.findtext("e:item", namespaces=ns)
        for d in items[0].findall("e:odd/e:list/e:defitem", ns)
    }
    assert first["codeNotation"] == "QĐ-UBND"
    assert first["issuedDate"] == "2025-02-10"
    assert items[0].findtext("e:did/e:unittitle", namespaces=ns) == "Về việc số 1"


def test_premis_records_the_creation_and_each_document_fixity(tmp_path: Path) -> None:
    ip = ip_root(unpack(make_package(tmp_path), tmp_path / "x"))
    premis = etree.parse(str(ip / "metadata/preservation/premis.xml")).getroot()
    ns = {"p": PREMIS}
    assert [e.text for e in premis.findall("p:event/p:eventType", ns)] == ["creation"]
    assert premis.findtext("p:event/p:eventDateTime", namespaces=ns) == CREATED.isoformat()
    digests = premis.findall("p:object/p:objectCharacteristics/p:fixity/p:messageDigest", ns)
    assert len(digests) == 3


def test_recorded_events_follow_the_creation(tmp_path: Path) -> None:
    from lienthong.archive.package import write_package
    from lienthong.archive.premis import PreservationEvent

    from .sample_dossier import dossier_folder

    folder, meta = dossier_folder(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    dossier = read_dossier(json.loads(meta.read_text(encoding="utf-8")), frozenset(names))
    out = tmp_path / "events.zip"
    validation = PreservationEvent(
        type="validation",
        at=CREATED,
        outcome="success",
        detail="PAdES signature validated",
        objects=("representations/rep1/data/qd-0001.pdf",),
    )
    with out.open("wb") as stream:
        write_package(
            dossier, {n: folder / n for n in names}, stream, created=CREATED, events=[validation]
        )
    ip = ip_root(unpack(out, tmp_path / "x"))
    premis = etree.parse(str(ip / "metadata/preservation/premis.xml")).getroot()
    types = [e.text for e in premis.iter(f"{{{PREMIS}}}eventType")]
    assert types == ["creation", "validation"]
    assert verify_package(out).valid


def test_missing_required_fields_are_all_listed() -> None:
    data = metadata(["a.pdf", "b.pdf"])
    del data["dossier"]["title"]
    del data["dossier"]["maintenance"]
    del data["documents"][1]["issuedDate"]
    data["documents"][0]["subject"] = "  "
    with pytest.raises(MetadataError) as caught:
        read_dossier(data, frozenset({"a.pdf", "b.pdf"}))
    assert caught.value.code == "metadata-missing"
    assert caught.value.missing == [
        "dossier.title",
        "dossier.maintenance",
        "documents[0] (a.pdf).subject",
        "documents[1] (b.pdf).issuedDate",
    ]


def test_values_outside_the_circulars_lists_are_refused() -> None:
    data = metadata(["a.pdf"])
    data["dossier"]["maintenance"] = "09"
    data["dossier"]["endDate"] = "31/03/2025"
    with pytest.raises(MetadataError) as caught:
        read_dossier(data, frozenset({"a.pdf"}))
    assert caught.value.code == "metadata-invalid"
    assert [i.split(":")[0] for i in caught.value.invalid] == [
        "dossier.maintenance",
        "dossier.endDate",
    ]


def test_documents_without_metadata_and_metadata_without_documents_are_refused() -> None:
    with pytest.raises(MetadataError) as caught:
        read_dossier(metadata(["a.pdf", "gone.pdf"]), frozenset({"a.pdf", "extra.pdf"}))
    assert caught.value.missing == ["documents: a description of extra.pdf"]
    assert caught.value.invalid == ["documents[1] (gone.pdf).file: no such file in the folder"]


def test_a_document_path_may_not_leave_the_folder() -> None:
    with pytest.raises(MetadataError) as caught:
        read_dossier(metadata(["../secret.pdf"]))
    assert "must be a relative path" in caught.value.invalid[0]


def test_a_thousand_documents_make_one_valid_package(tmp_path: Path) -> None:
    package = make_package(tmp_path, count=1000)
    report = verify_package(package)
    assert report.valid, report.problems[:5]
    with zipfile.ZipFile(package) as archive:
        documents = [n for n in archive.namelist() if "/representations/rep1/data/" in n]
    assert len(documents) == 1000
