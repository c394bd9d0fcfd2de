"""The BagIt envelope (RFC 8493) around a package: writing its tag files, and checking a bag
made by anyone — ``bagit.txt``, every payload and tag manifest, no payload file missing or
unlisted, ``Payload-Oxum``.

A small exact implementation rather than the ``bagit`` library: that library builds and checks
bags in place on disk (moving files into ``data/``, stamping today's date), while a package
here is written straight into a zip, deterministically, and checked inside the zip without
extracting it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from .files import HASHES, Digests, PackageFiles
from .problems import Problem

BAGIT_TXT: Final = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
_MANIFEST = re.compile(r"(tag)?manifest-([a-z0-9]+)\.txt")


def encode_path(path: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(path: str) -> str:
    return (
        path.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
    )


def manifest(digests: Mapping[str, str]) -> bytes:
    """A manifest: ``checksum  path`` per line, sorted by path."""
    return "".join(f"{digests[p]}  {encode_path(p)}\n" for p in sorted(digests)).encode()


def bag_info(fields: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{label}: {value}\n" for label, value in fields).encode()


def find_bag(names: list[str]) -> str | None:
    """The prefix of the bag's top folder: "" when the bag's tag files are at the top, "NAME/"
    when they are in the one folder a zipped bag usually has; None when the package is no bag.
    A bag is recognised by ``bagit.txt`` or, when that was lost, by its payload manifest."""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    candidates = [""] + ([f"{tops.pop()}/"] if len(tops) == 1 else [])
    for top in candidates:
        if f"{top}bagit.txt" in names:
            return top
    for top in candidates:
        if any(n.startswith(top) and _MANIFEST.fullmatch(n[len(top) :]) for n in names):
            return top
    return None


def check_bag(files: PackageFiles, top: str, digests: Digests) -> list[Problem]:
    names = [n[len(top) :] for n in files.names() if n.startswith(top)]
    problems: list[Problem] = []
    if "bagit.txt" not in names:
        problems.append(Problem("bag-declaration-missing", "bagit.txt", "the bag has no bagit.txt"))
        tags = {"BagIt-Version": "1.0", "Tag-File-Character-Encoding": "UTF-8"}  # said once
    else:
        tags = _tag_fields(files.read(top + "bagit.txt").decode("utf-8", "replace"))
    if (
        tags.get("BagIt-Version") not in ("1.0", "0.97")
        or "Tag-File-Character-Encoding" not in tags
    ):
        problems.append(
            Problem(
                "bag-declaration-invalid",
                "bagit.txt",
                "bagit.txt must declare BagIt-Version and Tag-File-Character-Encoding",
            )
        )
    if "fetch.txt" in names:
        problems.append(
            Problem("bag-incomplete", "fetch.txt", "files to fetch: the bag is not complete")
        )
    payload = {n for n in names if n.startswith("data/")}
    if not payload:
        problems.append(Problem("bag-payload-missing", "data/", "the bag has no payload"))
    manifests = sorted(n for n in names if _MANIFEST.fullmatch(n))
    if not any(not n.startswith("tag") for n in manifests):
        problems.append(
            Problem("bag-manifest-missing", "manifest-*.txt", "the bag has no payload manifest")
        )
    for name in manifests:
        match = _MANIFEST.fullmatch(name)
        assert match is not None
        is_tag, algorithm = bool(match.group(1)), match.group(2)
        if algorithm not in HASHES:
            problems.append(
                Problem("bag-algorithm-unsupported", name, f"{algorithm} is not supported")
            )
            continue
        listed = _read_manifest(files.read(top + name), name, problems)
        for path in sorted(listed):
            where = path
            if path not in names:
                problems.append(Problem("bag-file-missing", where, f"listed in {name}, absent"))
                continue
            if not is_tag and not path.startswith("data/"):
                problems.append(
                    Problem("bag-manifest-invalid", name, f"{path}: not in the payload")
                )
            if digests.of(top + path, algorithm) != listed[path].lower():
                code = "bag-tag-checksum-mismatch" if is_tag else "bag-checksum-mismatch"
                problems.append(Problem(code, where, f"{algorithm} differs from {name}"))
        if not is_tag:
            for path in sorted(payload - listed.keys()):
                problems.append(Problem("bag-file-unlisted", path, f"not listed in {name}"))
    if "bag-info.txt" in names:
        problems += _check_oxum(files, top, payload)
    return problems


def _check_oxum(files: PackageFiles, top: str, payload: set[str]) -> list[Problem]:
    info = _tag_fields(files.read(top + "bag-info.txt").decode("utf-8", "replace"))
    oxum = info.get("Payload-Oxum")
    if oxum is None:
        return []
    size = sum(files.size(top + path) for path in payload)
    if oxum != f"{size}.{len(payload)}":
        return [
            Problem(
                "bag-oxum-mismatch",
                "bag-info.txt",
                f"Payload-Oxum {oxum} but the payload is {size}.{len(payload)}",
            )
        ]
    return []


def _tag_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    label = ""
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and label:
            fields[label] += " " + line.strip()  # a continued value
        elif ":" in line:
            label, value = line.split(":", 1)
            label = label.strip()
            fields.setdefault(label, value.strip())
    return fields


def _read_manifest(data: bytes, name: str, problems: list[Problem]) -> dict[str, str]:
    listed: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            problems.append(
                Problem("bag-manifest-invalid", f"{name}:{number}", "not CHECKSUM PATH")
            )
            continue
        checksum, path = parts
        path = decode_path(path.strip().removeprefix("./"))
        if path in listed:
            problems.append(Problem("bag-manifest-invalid", f"{name}:{number}", f"{path} twice"))
        listed[path] = checksum
    return listed
