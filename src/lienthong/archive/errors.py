"""The archive's typed errors: a stable ``code`` and a ``message`` (see ``lienthong.errors``)."""

from __future__ import annotations

from ..errors import CodedError


class ArchiveError(CodedError):
    code = "archive-error"


class MetadataError(ArchiveError):
    """The metadata of a dossier cannot make a package: every problem is listed at once."""

    code = "metadata-invalid"

    def __init__(self, missing: list[str], invalid: list[str]) -> None:
        parts = []
        if missing:
            parts.append("missing: " + ", ".join(missing))
        if invalid:
            parts.append("invalid: " + "; ".join(invalid))
        super().__init__("the metadata cannot make a package — " + " — ".join(parts))
        self.missing = missing
        self.invalid = invalid
        if missing and not invalid:
            self.code = "metadata-missing"

    def as_dict(self) -> dict[str, object]:
        return super().as_dict() | {"missing": self.missing, "invalid": self.invalid}


class PackageUnreadableError(ArchiveError):
    """Not a package at all (not a zip nor a folder, no METS.xml to start from)."""

    code = "package-unreadable"
