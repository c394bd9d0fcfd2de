"""What a check found wrong with a package: a stable ``code``, ``where`` (a path in the package,
or a place in a METS document), a message for people, and the CSIP requirement it breaks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str
    where: str
    message: str
    requirement: str | None = None

    def as_dict(self) -> dict[str, str]:
        shown = {"code": self.code, "where": self.where, "message": self.message}
        if self.requirement:
            shown["requirement"] = self.requirement
        return shown
