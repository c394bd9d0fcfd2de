"""A package as a set of named files, whether it is a zip or an unpacked folder: the checks
read it through this one interface and never extract anything to disk."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Final, Protocol

from .errors import PackageUnreadableError

CHUNK: Final = 1 << 20

# METS CHECKSUMTYPE and BagIt manifest names -> hashlib names.
HASHES: Final = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}


class PackageFiles(Protocol):
    def names(self) -> list[str]:
        """Every regular file, "/"-separated, relative to the package's top."""
        ...

    def open(self, name: str) -> IO[bytes]: ...

    def read(self, name: str) -> bytes: ...

    def size(self, name: str) -> int: ...


class FolderFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def open(self, name: str) -> IO[bytes]:
        return (self.root / name).open("rb")

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size


class ZipFiles:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self._names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
        if len(set(self._names)) != len(self._names):
            # Which of two same-named members a reader gets depends on the reader.
            raise PackageUnreadableError("the zip holds two members of the same name")

    def names(self) -> list[str]:
        return self._names

    def open(self, name: str) -> IO[bytes]:
        return self.archive.open(name)

    def read(self, name: str) -> bytes:
        return self.archive.read(name)

    def size(self, name: str) -> int:
        return self.archive.getinfo(name).file_size


@contextmanager
def open_package(path: Path) -> Iterator[PackageFiles]:
    if path.is_dir():
        yield FolderFiles(path)
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PackageUnreadableError(f"{path}: neither a folder nor a zip file") from None
    with archive:
        yield ZipFiles(archive)


HEAD: Final = 512  # bytes kept of each file read, to recognise its format


class Digests:
    """Each file's checksum computed once, whichever check asks first (the bag's manifest and
    the METS both name SHA-256 for the same files), with the first bytes of the file."""

    def __init__(self, files: PackageFiles) -> None:
        self.files = files
        self._seen: dict[tuple[str, str], str] = {}
        self._heads: dict[str, bytes] = {}

    def of(self, name: str, algorithm: str) -> str:
        key = (name, HASHES[algorithm])
        if key not in self._seen:
            h = hashlib.new(key[1])
            head = b""
            with self.files.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    if not head:
                        head = chunk[:HEAD]
                    h.update(chunk)
            self._seen[key] = h.hexdigest()
            self._heads[name] = head
        return self._seen[key]

    def head(self, name: str) -> bytes:
        if name not in self._heads:
            with self.files.open(name) as stream:
                self._heads[name] = stream.read(HEAD)
        return self._heads[name]


def parent(name: str) -> str:
    """The folder of ``name`` ("" for the top), to resolve paths relative to a METS document."""
    folder = str(PurePosixPath(name).parent)
    return "" if folder == "." else folder


def join(folder: str, relative: str) -> str | None:
    """``relative`` seen from ``folder``, normalised; None when it leaves the package."""
    parts: list[str] = [p for p in folder.split("/") if p]
    for part in relative.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)
