"""Limits that bound the work and memory a single message may cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Configurable bounds; the defaults suit a national hub (attachments up to hundreds of MB)."""

    max_message_bytes: int = 512 * 1024 * 1024
    max_depth: int = 64
    max_elements: int = 100_000
    max_attachments: int = 200
    max_attachment_bytes: int = 400 * 1024 * 1024
    # ZIP-wrapped attachments: total uncompressed size, compression ratio, number of entries.
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_zip_ratio: int = 200
    max_zip_entries: int = 1000


DEFAULT_LIMITS = Limits()
