"""Write a message's attachments into a folder, streaming: each is decoded as it is read.

The folder gets every attachment under its checked name (ZIP-wrapped ones unwrapped into
``<name>.d/`` on request), or nothing at all: on any failure what this call wrote is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from .attachments import ExtractedFile, is_zip, safe_attachment_name, unwrap_zip
from .errors import AttachmentError
from .limits import DEFAULT_LIMITS, Limits
from .model import EdocMessage
from .parse import read_scan
from .scan import scan


def extract_attachments(
    source: bytes | BinaryIO,
    out_dir: Path,
    *,
    unzip: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> list[ExtractedFile]:
    """Decode each attachment of the message into ``out_dir``; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    spool = Path(tempfile.mkdtemp(dir=out_dir, prefix=".extract-"))
    files: dict[int, BinaryIO] = {}
    created: list[Path] = []

    def sink(index: int, _name: str) -> BinaryIO:
        files[index] = (spool / str(index)).open("wb")
        return files[index]

    try:
        try:
            result = scan(source, limits, keep_encoded=False, attachment_sink=sink)
        finally:
            for handle in files.values():
                handle.close()
        message = read_scan(result, limits).message
        if not isinstance(message, EdocMessage):
            raise AttachmentError("a status message carries no attachments")
        written: list[ExtractedFile] = []
        for index, attachment in enumerate(message.attachments):
            facts = attachment.facts
            name = safe_attachment_name(attachment.attachment_name)
            if facts is None or facts.problem is not None:
                reason = facts.problem if facts else "its content could not be read"
                raise AttachmentError(f"attachment {name!r}: {reason}")
            decoded = spool / str(index)
            with decoded.open("rb") as head:
                zipped = unzip and is_zip(head.read(4))
            if zipped:
                with decoded.open("rb") as archive:
                    unwrapped = unwrap_zip(archive, out_dir / f"{name}.d", limits)
                created.append(out_dir / f"{name}.d")
                written.extend(unwrapped)
                continue
            target = out_dir / name
            if target.exists():
                raise AttachmentError(f"{target} exists already; nothing is overwritten")
            os.replace(decoded, target)
            created.append(target)
            written.append(ExtractedFile(name, target, facts.size, facts.sha256))
        return written
    except BaseException:
        for path in created:
            _remove(path)
        raise
    finally:
        _remove(spool)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            _remove(child)
        with contextlib.suppress(OSError):
            path.rmdir()
    else:
        path.unlink(missing_ok=True)
