"""The one shape of every typed error in lienthong: a stable machine ``code`` and a ``message``
for people. Each library has its own family below it (edXML, signatures); the HTTP problem
details and the CLI's JSON are made from these two fields."""

from __future__ import annotations


class CodedError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}
