"""The archive store's two copies and its fixity audit, against a real SeaweedFS on loopback:
``lienthong archive store`` and ``lienthong archive audit`` as an operator runs them."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lienthong.archive.eventlog import read_events
from lienthong.archive.store import CATALOGUE, key_of, log_key
from lienthong.cli import app
from lienthong.s3location import parse_s3_url, s3_client

from ..seaweedfs import SeaweedFS
from .sample_dossier import make_package


def run(*args: str | Path, as_json: bool = True) -> tuple[int, Any, str]:
    result = CliRunner().invoke(
        app, ["archive", *[str(a) for a in args], *(["--json"] if as_json else [])]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    # Rich wraps long lines for the terminal: the words matter, not where the lines break.
    shown = json.loads(result.stdout) if as_json else " ".join(result.stdout.split())
    return result.exit_code, shown, " ".join(result.stderr.split())


class Store:
    """A store on a directory and a bucket of its own, with one package made for it."""

    def __init__(self, root: Path, url: str) -> None:
        self.dir = root / "store"
        self.url = url
        self.package = make_package(root / "made")
        self.bytes = self.package.read_bytes()
        self.sha256 = hashlib.sha256(self.bytes).hexdigest()
        location = parse_s3_url(url)
        self.bucket = location.bucket
        self.client = s3_client(location)

    def store(self) -> dict[str, Any]:
        code, stored, _ = run("store", self.package, "--fs", self.dir, "--s3", self.url)
        assert code == 0, stored
        return stored

    def audit(self) -> tuple[int, dict[str, Any]]:
        code, report, _ = run("audit", "--fs", self.dir, "--s3", self.url)
        return code, report

    def fs_copy(self, package_id: str) -> Path:
        return self.dir / key_of(package_id)

    def s3_bytes(self, key: str) -> bytes | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except self.client.exceptions.NoSuchKey:
            return None
        return bytes(body.read())

    def put_s3(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def events(self, package_id: str) -> list[dict[str, str]]:
        return read_events((self.dir / log_key(package_id)).read_bytes())


@pytest.fixture
def store(seaweedfs: SeaweedFS, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    bucket = "a-" + request.node.name.removeprefix("test_").replace("_", "-")[:50]
    bucket = "".join(c for c in bucket.lower() if c.isalnum() or c == "-").strip("-")
    return Store(tmp_path, seaweedfs.blob_url(bucket))


def damaged(data: bytes) -> bytes:
    """The same size, one byte in the middle changed: what bit rot looks like."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def test_a_stored_package_is_in_both_copies_and_audits_clean(store: Store) -> None:
    stored = store.store()
    package_id = stored["package"]
    assert stored["sha256"] == store.sha256
    assert store.fs_copy(package_id).read_bytes() == store.bytes
    assert store.s3_bytes(key_of(package_id)) == store.bytes
    catalogue = json.loads((store.dir / CATALOGUE).read_text(encoding="utf-8"))
    entry = catalogue["packages"][package_id]
    assert (entry["sha256"], entry["size"]) == (store.sha256, len(store.bytes))
    assert store.s3_bytes(CATALOGUE) == (store.dir / CATALOGUE).read_bytes()  # the mirror

    code, report = store.audit()
    assert code == 0
    assert report["ok"] is True
    assert (report["checked"], report["good"]) == (1, 1)
    (audited,) = report["packages"]
    assert audited["outcome"] == "good"
    assert audited["fs"] == {"state": "good", "sha256": store.sha256, "repaired": False}
    assert audited["s3"] == {"state": "good", "sha256": store.sha256, "repaired": False}
    events = store.events(package_id)
    assert [(e["type"], e["outcome"]) for e in events] == [
        ("validation", "success"),
        ("ingestion", "success"),
        ("fixity check", "success"),
        ("fixity check", "success"),
    ]
    assert all(e["date"] and e["agent"].startswith("lienthong ") for e in events)
    assert store.s3_bytes(log_key(package_id)) == (store.dir / log_key(package_id)).read_bytes()
    history = json.loads((store.dir / CATALOGUE).read_text(encoding="utf-8"))
    assert history["packages"][package_id]["fixity"][0]["outcome"] == "good"


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_a_bad_file_system_copy_is_repaired_from_s3(store: Store, damage: str) -> None:
    package_id = store.store()["package"]
    copy = store.fs_copy(package_id)
    if damage == "corrupt":
        copy.write_bytes(damaged(store.bytes))
    else:
        copy.unlink()

    code, report = store.audit()
    assert code == 0, report
    (audited,) = report["packages"]
    assert audited["outcome"] == "repaired"
    assert audited["fs"]["state"] == ("corrupt" if damage == "corrupt" else "missing")
    assert audited["fs"]["repaired"] is True
    assert audited["s3"] == {"state": "good", "sha256": store.sha256, "repaired": False}
    assert copy.read_bytes() == store.bytes
    fixity_fs, fixity_s3, repair = store.events(package_id)[-3:]
    assert (fixity_fs["type"], fixity_fs["outcome"]) == ("fixity check", "failure")
    assert "file-system copy" in fixity_fs["detail"]
    assert (fixity_s3["type"], fixity_s3["outcome"]) == ("fixity check", "success")
    assert (repair["type"], repair["outcome"]) == ("replication", "success")
    assert "repair of the file-system copy" in repair["detail"]
    assert "from the S3 copy" in repair["detail"]

    code, again = store.audit()
    assert (code, again["packages"][0]["outcome"]) == (0, "good")


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_a_bad_s3_copy_is_repaired_from_the_file_system(store: Store, damage: str) -> None:
    package_id = store.store()["package"]
    key = key_of(package_id)
    if damage == "corrupt":
        store.put_s3(key, damaged(store.bytes))
    else:
        store.client.delete_object(Bucket=store.bucket, Key=key)

    code, report = store.audit()
    assert code == 0, report
    (audited,) = report["packages"]
    assert audited["outcome"] == "repaired"
    assert audited["s3"]["state"] == ("corrupt" if damage == "corrupt" else "missing")
    assert audited["s3"]["repaired"] is True
    assert audited["fs"]["state"] == "good"
    assert store.s3_bytes(key) == store.bytes
    repair = store.events(package_id)[-1]
    assert (repair["type"], repair["outcome"]) == ("replication", "success")
    assert "repair of the S3 copy" in repair["detail"]


def test_when_both_copies_are_bad_the_package_is_lost_and_nothing_is_repaired(
    store: Store,
) -> None:
    package_id = store.store()["package"]
    key = key_of(package_id)
    bad_fs, bad_s3 = damaged(store.bytes), damaged(store.bytes)[:-10]
    store.fs_copy(package_id).write_bytes(bad_fs)
    store.put_s3(key, bad_s3)

    code, report = store.audit()
    assert code == 1
    assert report["ok"] is False
    assert report["lost"] == 1
    (audited,) = report["packages"]
    assert audited["outcome"] == "lost"
    assert audited["fs"]["state"] == audited["s3"]["state"] == "corrupt"
    assert not audited["fs"]["repaired"] and not audited["s3"]["repaired"]
    assert store.fs_copy(package_id).read_bytes() == bad_fs  # left as found, for forensics
    assert store.s3_bytes(key) == bad_s3
    events = store.events(package_id)
    assert [(e["type"], e["outcome"]) for e in events[-2:]] == [
        ("fixity check", "failure"),
        ("fixity check", "failure"),
    ]
    assert "replication" not in [e["type"] for e in events]


def test_a_lost_package_is_said_loudly_without_json(store: Store) -> None:
    package_id = store.store()["package"]
    store.fs_copy(package_id).unlink()
    store.client.delete_object(Bucket=store.bucket, Key=key_of(package_id))
    code, out, err = run("audit", "--fs", store.dir, "--s3", store.url, as_json=False)
    assert code == 1
    assert f"LOST {package_id}" in err
    assert "nothing was repaired" in err
    assert "1 lost" in out


def test_an_empty_store_audits_clean(store: Store) -> None:
    store.dir.mkdir()
    code, report = store.audit()
    assert code == 0
    assert report == {
        "ok": True,
        "checked": 0,
        "good": 0,
        "repaired": 0,
        "lost": 0,
        "repair_failed": 0,
        "packages": [],
    }


def test_storing_the_same_package_twice_keeps_one(store: Store) -> None:
    first = store.store()
    second = store.store()
    assert second["already_stored"] is True
    assert second["stored_at"] == first["stored_at"]
    catalogue = json.loads((store.dir / CATALOGUE).read_text(encoding="utf-8"))
    assert list(catalogue["packages"]) == [first["package"]]


def test_a_different_package_under_a_stored_id_is_refused(store: Store, tmp_path: Path) -> None:
    first = store.store()
    other = make_package(tmp_path / "other", count=4)  # same fileCode and time: same id
    code, shown, _ = run("store", other, "--fs", store.dir, "--s3", store.url)
    assert code == 1
    assert shown["error"]["code"] == "package-conflict"
    assert store.fs_copy(first["package"]).read_bytes() == store.bytes


def test_an_invalid_package_is_not_stored(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(damaged(store.bytes))
    code, shown, _ = run("store", broken, "--fs", store.dir, "--s3", store.url)
    assert code == 1
    assert shown["error"]["code"] in ("package-invalid", "package-unreadable")
    assert not (store.dir / CATALOGUE).exists()
    assert not (store.dir / "packages").exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://bucket?endpoint=http://127.0.0.1:8333",
        "s3://bucket/prefix?endpoint=http://127.0.0.1:8333",
        "s3://bucket?endpoint=127.0.0.1:8333",
        "s3://bucket?colour=blue",
    ],
)
def test_a_bad_s3_url_is_a_clear_message(tmp_path: Path, url: str) -> None:
    for command in (["audit"], ["store", tmp_path / "p.zip"]):
        code, out, err = run(*command, "--fs", tmp_path, "--s3", url, as_json=False)
        assert code == 2
        assert "store-location-invalid" in err
        assert "--s3" in err
        assert "Traceback" not in out + err


def test_a_store_directory_that_is_not_there_is_a_clear_message(tmp_path: Path) -> None:
    url = "s3://b?endpoint=http://127.0.0.1:1&access_key=k&secret_key=s"
    code, shown, _ = run("audit", "--fs", tmp_path / "nowhere", "--s3", url)
    assert code == 2
    assert shown["error"]["code"] == "store-location-invalid"
    assert "no such directory" in shown["error"]["message"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, shown, _ = run("store", tmp_path / "p.zip", "--fs", a_file, "--s3", url)
    assert code == 2
    assert "not a directory" in shown["error"]["message"]


def test_an_unreachable_s3_server_is_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"s3://b?endpoint=http://127.0.0.1:{port}&access_key=k&secret_key=very-secret"
    code, out, err = run("audit", "--fs", tmp_path, "--s3", url, as_json=False)
    assert code == 2
    assert "storage-unavailable" in err
    assert f"127.0.0.1:{port}" in err
    assert "very-secret" not in out + err
    assert "Traceback" not in out + err


def test_an_event_log_lost_from_the_directory_is_continued_from_the_bucket(store: Store) -> None:
    package_id = store.store()["package"]
    (store.dir / log_key(package_id)).unlink()
    code, _ = store.audit()
    assert code == 0
    assert [e["type"] for e in store.events(package_id)] == [
        "validation",
        "ingestion",
        "fixity check",
        "fixity check",
    ]
