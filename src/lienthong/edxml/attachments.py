"""Attachments of edXML messages: streamed base64 decoding, safe names, ZIP unwrapping.

Owns everything between the base64 text inside a message and files on a disk: decoding in bounded
memory, the sizes a manifest declares, which attachment names are safe to write, and unwrapping
ZIP-wrapped attachments under zip-bomb limits. Sans-IO in the library's sense: it reads and writes
only the streams and the directory it is given.
"""

from __future__ import annotations

import binascii
import hashlib
import lzma
import os
import pathlib
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from lienthong.edxml.errors import AttachmentError, TooLargeError
from lienthong.edxml.limits import Limits

__all__ = [
    "Base64Decoder",
    "ByteSink",
    "DecodeResult",
    "ExtractedFile",
    "base64_decoded_size",
    "decode_base64_stream",
    "is_zip",
    "safe_attachment_name",
    "unwrap_zip",
]

# XML whitespace only: a vertical tab or form feed inside base64 is damage, not line wrapping.
_WHITESPACE = b" \t\r\n"
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ACCEPTED = _ALPHABET + b"=" + _WHITESPACE
# Decode in windows so one huge chunk does not also cost a huge decoded copy; a multiple of 4.
_DECODE_WINDOW = 1 << 20
_COPY_CHUNK = 1 << 16


class ByteSink(Protocol):
    """Where decoded bytes go: a binary file, a hash, or a sink that only counts."""

    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class DecodeResult:
    """What was written: the decoded size in bytes and its SHA-256 (hex)."""

    size: int
    sha256: str


@dataclass(frozen=True)
class ExtractedFile:
    """One regular file unwrapped from a ZIP: ``name`` is its NFC path inside the archive."""

    name: str
    path: pathlib.Path
    size: int
    sha256: str


class Base64Decoder:
    """Incremental strict base64 decoder; positions in errors count every input character."""

    def __init__(self, out: ByteSink, max_bytes: int) -> None:
        self._out = out
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self._size = 0
        self._position = 0  # characters consumed, whitespace included
        self._symbols = 0  # non-whitespace characters consumed
        self._pending = b""  # fewer than 4 symbols waiting for the rest of their quantum
        self._padding_left: int | None = None  # set once the first "=" is seen

    def feed(self, chunk: str | bytes) -> None:
        raw = self._ascii(chunk)
        invalid = raw.translate(None, _ACCEPTED)
        if invalid:
            at = raw.index(invalid[:1])
            raise AttachmentError(
                f"invalid character {chr(invalid[0])!r} in base64 at position {self._position + at}"
            )
        symbols = raw.translate(None, _WHITESPACE)
        if self._padding_left is not None:
            self._check_padding(raw, 0)
        elif (first_pad := raw.find(b"=")) >= 0:
            self._symbols += len(raw[:first_pad].translate(None, _WHITESPACE))
            self._check_padding(raw, first_pad)
        else:
            self._symbols += len(symbols)
        self._position += len(raw)
        self._decode(symbols)

    def finish(self) -> DecodeResult:
        if self._padding_left:
            raise AttachmentError(
                f"base64 padding is incomplete at the end of the data (position {self._position})"
            )
        if self._pending:
            raise AttachmentError(
                f"base64 data ends in the middle of a 4-character group (position "
                f"{self._position}): {len(self._pending)} character(s) left over, "
                "truncated or missing padding"
            )
        return DecodeResult(size=self._size, sha256=self._hash.hexdigest())

    def _ascii(self, chunk: str | bytes) -> bytes:
        if isinstance(chunk, bytes):
            return chunk
        try:
            return chunk.encode("ascii")
        except UnicodeEncodeError as exc:
            raise AttachmentError(
                f"invalid character {chunk[exc.start]!r} in base64 at position "
                f"{self._position + exc.start}"
            ) from None

    def _check_padding(self, raw: bytes, start: int) -> None:
        """Allow "=" only to complete the last quantum, and nothing after it."""
        for index in range(start, len(raw)):
            char = raw[index : index + 1]
            if char in _WHITESPACE:
                continue
            where = self._position + index
            if char != b"=" or self._padding_left == 0:
                raise AttachmentError(
                    f"base64 data continues after the padding at position {where}"
                )
            if self._padding_left is None:
                in_quantum = self._symbols % 4
                if in_quantum < 2:
                    raise AttachmentError(f"misplaced base64 padding '=' at position {where}")
                self._padding_left = 4 - in_quantum
            self._padding_left -= 1
            self._symbols += 1

    def _decode(self, symbols: bytes) -> None:
        data = self._pending + symbols if self._pending else symbols
        usable = len(data) - len(data) % 4
        view = memoryview(data)
        for begin in range(0, usable, _DECODE_WINDOW):
            piece = view[begin : min(begin + _DECODE_WINDOW, usable)]
            try:
                decoded = binascii.a2b_base64(piece, strict_mode=True)
            except binascii.Error as exc:  # the checks above should have caught it first
                raise AttachmentError(f"invalid base64 data: {exc}") from None
            if self._size + len(decoded) > self._max_bytes:
                raise TooLargeError(
                    f"the decoded attachment is larger than the limit of {self._max_bytes} bytes"
                )
            self._out.write(decoded)
            self._hash.update(decoded)
            self._size += len(decoded)
        self._pending = bytes(view[usable:])


def decode_base64_stream(
    chunks: Iterable[str | bytes], out: ByteSink, *, max_bytes: int
) -> DecodeResult:
    """Decode base64 text arriving in arbitrary chunks into ``out``, in memory bounded by a chunk.

    Line breaks and other XML whitespace may appear anywhere. Anything else outside the base64
    alphabet, misplaced or missing padding, and data after the padding raise
    :class:`AttachmentError` naming the position; more than ``max_bytes`` of decoded output raises
    :class:`TooLargeError` before any byte past the limit is written.
    """
    decoder = Base64Decoder(out, max_bytes)
    for chunk in chunks:
        decoder.feed(chunk)
    return decoder.finish()


def base64_decoded_size(text: str) -> int:
    """The number of bytes ``text`` decodes to, computed without decoding it.

    Only counts: the content is checked when it is decoded. A length that cannot be padded base64
    raises :class:`AttachmentError`.
    """
    symbols = len(text) - sum(text.count(c) for c in " \t\r\n")
    if symbols % 4:
        raise AttachmentError(
            f"base64 text has {symbols} characters besides whitespace, not a multiple of 4"
        )
    padding = 0
    for char in reversed(text):
        if char in " \t\r\n":
            continue
        if char != "=" or padding == 2:
            break
        padding += 1
    return symbols // 4 * 3 - padding


_NAME_MAX_BYTES = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
# Characters that reorder or split how a name is displayed: "fdp.exe" can be made to look like
# "exe.pdf" with U+202E; line and paragraph separators break listings and logs.
_DISGUISING = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def safe_attachment_name(name: str) -> str:
    """Return ``name`` NFC-normalized if it is safe as one file name, else raise AttachmentError.

    Refused: empty or blank names, ``.`` and ``..``, path separators (``/`` and ``\\``), a Windows
    drive prefix (``c:``), NUL and other control characters, characters that disguise how a name
    is displayed (bidirectional overrides), and names longer than 255 bytes in UTF-8. A leading
    ``-`` is accepted: lienthong never passes names to a shell, and real documents do use it.
    Vietnamese names with diacritics and spaces are ordinary names.
    """
    normalized = unicodedata.normalize("NFC", name)
    if not normalized.strip():
        raise AttachmentError("the attachment name is empty")
    if normalized in {".", ".."}:
        raise AttachmentError(f"the attachment name {normalized!r} is not a file name")
    if "/" in normalized or "\\" in normalized:
        raise AttachmentError(f"the attachment name {normalized!r} contains a path separator")
    if _DRIVE.match(normalized):
        raise AttachmentError(f"the attachment name {normalized!r} starts with a drive letter")
    for char in normalized:
        if unicodedata.category(char) == "Cc":
            raise AttachmentError(
                f"the attachment name {normalized!r} contains the control character "
                f"U+{ord(char):04X}"
            )
        if char in _DISGUISING:
            raise AttachmentError(
                f"the attachment name {normalized!r} contains the invisible formatting "
                f"character U+{ord(char):04X}"
            )
    if len(normalized.encode("utf-8")) > _NAME_MAX_BYTES:
        raise AttachmentError(
            f"the attachment name is longer than {_NAME_MAX_BYTES} bytes in UTF-8"
        )
    return normalized


def is_zip(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a decoded attachment) starts a ZIP archive."""
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


# ZIP records, as in APPNOTE.TXT: end of central directory, its ZIP64 locator and record.
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
# Generous room per central directory record (46 bytes fixed, then name, extra field, comment);
# bounds the memory zipfile spends on the directory before the entry count can be checked.
_MAX_CENTRAL_RECORD_BYTES = 4096
# Below this, a high ratio is harmless (a page of blanks compresses a thousandfold).
_RATIO_APPLIES_ABOVE = 1 << 20
_ENCRYPTED_FLAGS = 0x0001 | 0x0040
_UTF8_FLAG = 0x0800


def unwrap_zip(src: BinaryIO, out_dir: pathlib.Path, limits: Limits) -> list[ExtractedFile]:
    """Extract the ZIP archive read from ``src`` (seekable) into ``out_dir``, within ``limits``.

    Every entry is checked before anything is written: entry count, declared sizes and ratios
    (:class:`TooLargeError`); unsafe names, absolute or traversing paths, links and special files,
    encryption and duplicates (:class:`AttachmentError`). While copying, the bytes actually
    produced are counted against the total size and the per-entry ratio. Nothing is overwritten:
    an existing file at a target path is an error. On any failure every file and directory this
    call created is removed. Returns the regular files extracted, in archive order.
    """
    if not src.seekable():
        raise ValueError("unwrap_zip needs a seekable stream")
    archive_size = src.seek(0, os.SEEK_END)
    _check_central_directory(src, archive_size, limits)
    src.seek(0)
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, struct.error) as exc:
        raise AttachmentError(f"the ZIP archive cannot be read: {exc}") from None
    with archive:
        plan = _plan(archive.infolist(), archive_size, limits)
        created: list[pathlib.Path] = []
        try:
            return _extract(archive, plan, out_dir, limits, created)
        except BaseException:
            _remove(created)
            raise


def _check_central_directory(src: BinaryIO, archive_size: int, limits: Limits) -> None:
    """Refuse archives whose directory alone exceeds the entry limit, before zipfile reads it."""
    tail_start = max(0, archive_size - _EOCD.size - 0xFFFF)
    src.seek(tail_start)
    tail = src.read()
    at = len(tail) - _EOCD.size
    if at < 0 or not tail.startswith(b"PK\x05\x06", at) or tail[-2:] != b"\0\0":
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise AttachmentError("the attachment is not a ZIP archive (no end of central directory)")
    fields = _EOCD.unpack_from(tail, at)
    entries, directory_size = fields[4], fields[5]
    locator_at = tail_start + at - _EOCD64_LOCATOR.size
    if locator_at >= _EOCD64.size:
        src.seek(locator_at - _EOCD64.size)
        zip64 = src.read(_EOCD64.size + _EOCD64_LOCATOR.size)
        if zip64[_EOCD64.size :].startswith(b"PK\x06\x07") and zip64.startswith(b"PK\x06\x06"):
            record = _EOCD64.unpack_from(zip64)
            entries, directory_size = record[7], record[8]
    if entries > limits.max_zip_entries:
        raise TooLargeError(
            f"the ZIP archive has {entries} entries, more than the limit of "
            f"{limits.max_zip_entries}"
        )
    if directory_size > max(limits.max_zip_entries, 1) * _MAX_CENTRAL_RECORD_BYTES:
        raise TooLargeError(
            f"the ZIP archive's directory is {directory_size} bytes, too large for the limit of "
            f"{limits.max_zip_entries} entries"
        )


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    is_dir: bool

    @property
    def name(self) -> str:
        return "/".join(self.parts)


def _plan(infos: list[zipfile.ZipInfo], archive_size: int, limits: Limits) -> list[_Entry]:
    if len(infos) > limits.max_zip_entries:
        raise TooLargeError(
            f"the ZIP archive has {len(infos)} entries, more than the limit of "
            f"{limits.max_zip_entries}"
        )
    plan: list[_Entry] = []
    seen: set[tuple[str, ...]] = set()
    declared_total = 0
    for info in infos:
        name = _entry_name(info)
        if info.flag_bits & _ENCRYPTED_FLAGS:
            raise AttachmentError(f"the ZIP entry {name!r} is encrypted")
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise AttachmentError(f"the ZIP entry {name!r} is a symbolic link")
        if kind and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise AttachmentError(f"the ZIP entry {name!r} is not a regular file or directory")
        is_dir = name.endswith("/") or stat.S_ISDIR(mode)
        parts = _entry_parts(name)
        if parts in seen:
            raise AttachmentError(f"the ZIP archive holds {'/'.join(parts)!r} more than once")
        seen.add(parts)
        if is_dir:
            plan.append(_Entry(info, parts, is_dir=True))
            continue
        if info.compress_size > archive_size:
            raise AttachmentError(
                f"the ZIP entry {name!r} declares more compressed data than the archive holds"
            )
        _check_ratio(name, info.file_size, info.compress_size, limits)
        declared_total += info.file_size
        if declared_total > limits.max_unzipped_bytes:
            raise TooLargeError(
                f"the ZIP archive unpacks to more than the limit of "
                f"{limits.max_unzipped_bytes} bytes"
            )
        plan.append(_Entry(info, parts, is_dir=False))
    return plan


def _entry_name(info: zipfile.ZipInfo) -> str:
    if "\0" in info.orig_filename:
        raise AttachmentError(f"the ZIP entry {info.orig_filename!r} has a NUL in its name")
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        # Many tools write UTF-8 names without setting the flag; zipfile then decoded cp437,
        # which maps every byte, so the original bytes come back exactly.
        raw = name.encode("cp437")
        if raw.isascii():
            return name
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return name
    return name


def _entry_parts(name: str) -> tuple[str, ...]:
    if name.startswith("/"):
        raise AttachmentError(f"the ZIP entry {name!r} has an absolute path")
    parts = name.removesuffix("/").split("/")
    try:
        return tuple(safe_attachment_name(part) for part in parts)
    except AttachmentError as exc:
        raise AttachmentError(f"the ZIP entry {name!r} has an unsafe path: {exc.message}") from None


def _check_ratio(name: str, uncompressed: int, compressed: int, limits: Limits) -> None:
    if uncompressed > _RATIO_APPLIES_ABOVE and uncompressed > compressed * limits.max_zip_ratio:
        raise TooLargeError(
            f"the ZIP entry {name!r} expands more than {limits.max_zip_ratio} times "
            f"({compressed} compressed bytes to at least {uncompressed})"
        )


def _extract(
    archive: zipfile.ZipFile,
    plan: list[_Entry],
    out_dir: pathlib.Path,
    limits: Limits,
    created: list[pathlib.Path],
) -> list[ExtractedFile]:
    root = _make_dir(out_dir, created, parents=True).resolve()
    extracted: list[ExtractedFile] = []
    total = 0
    for entry in plan:
        if entry.is_dir:
            _make_dirs(root, entry.parts, created)
            continue
        parent = _make_dirs(root, entry.parts[:-1], created)
        target = parent / entry.parts[-1]
        digest = hashlib.sha256()
        size = 0
        try:
            handle = open(target, "xb")  # noqa: SIM115 - registered for cleanup before writing
        except FileExistsError:
            raise AttachmentError(
                f"the ZIP entry {entry.name!r} would overwrite an existing file"
            ) from None
        created.append(target)
        with handle:
            for chunk in _entry_chunks(archive, entry):
                size += len(chunk)
                total += len(chunk)
                if total > limits.max_unzipped_bytes:
                    raise TooLargeError(
                        f"the ZIP archive unpacks to more than the limit of "
                        f"{limits.max_unzipped_bytes} bytes"
                    )
                _check_ratio(entry.name, size, entry.info.compress_size, limits)
                handle.write(chunk)
                digest.update(chunk)
        extracted.append(ExtractedFile(entry.name, target, size, digest.hexdigest()))
    return extracted


def _entry_chunks(archive: zipfile.ZipFile, entry: _Entry) -> Iterator[bytes]:
    """The entry's decompressed bytes; damage shows as AttachmentError (the CRC is checked too)."""
    try:
        with archive.open(entry.info) as source:
            while chunk := source.read(_COPY_CHUNK):
                yield chunk
    except (
        zipfile.BadZipFile,
        NotImplementedError,
        EOFError,
        zlib.error,
        lzma.LZMAError,
        OSError,
    ) as exc:
        # bz2 and lzma report damaged data as OSError subclasses; the source is only read here.
        raise AttachmentError(f"the ZIP entry {entry.name!r} is damaged: {exc}") from None


def _make_dirs(
    root: pathlib.Path, parts: tuple[str, ...], created: list[pathlib.Path]
) -> pathlib.Path:
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise AttachmentError(f"{path} is a symbolic link; refusing to extract through it")
        if path.is_dir():
            continue
        _make_dir(path, created, parents=False)
    return path


def _make_dir(path: pathlib.Path, created: list[pathlib.Path], *, parents: bool) -> pathlib.Path:
    missing = [p for p in (path, *path.parents) if not p.exists()] if parents else [path]
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            if not directory.is_dir() or directory.is_symlink():
                raise AttachmentError(
                    f"cannot create the directory {directory}: a file is in the way"
                ) from None
            continue
        created.append(directory)
    return path


def _remove(created: list[pathlib.Path]) -> None:
    for path in reversed(created):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        except OSError:
            pass  # best effort: a directory someone else filled meanwhile stays
