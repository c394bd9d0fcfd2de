"""Typed errors of the edXML library.

Every failure the library reports is an :class:`EdxmlError` with a stable machine ``code``
(used by the hub's HTTP problem details and the CLI's JSON) and a ``message`` a clerk can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CodedError


class EdxmlError(CodedError):
    """Base of every error the edXML library raises."""

    code = "edxml-error"


class MalformedError(EdxmlError):
    """The bytes are not well-formed XML, or not an edXML message at all."""

    code = "edxml-malformed"


class ForbiddenConstructError(EdxmlError):
    """The message uses an XML feature refused for safety (DOCTYPE, entities, external refs)."""

    code = "edxml-forbidden"


class TooLargeError(EdxmlError):
    """A configured limit (size, depth, attachment count, decoded size) was exceeded."""

    code = "edxml-too-large"


@dataclass(frozen=True)
class Problem:
    """One problem found by validation; ``path`` names the element concerned."""

    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


@dataclass(frozen=True)
class Warning_:
    """Something tolerated while reading real-world traffic, recorded for the operator."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InvalidError(EdxmlError):
    """The message is well-formed but breaks QCVN 102 rules; ``problems`` lists every one."""

    code = "edxml-invalid"

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"the message breaks {len(problems)} rule(s): {summary}{more}")
        self.problems = problems

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}


class AgencyCodeError(EdxmlError):
    """An agency identifier is not a valid QCVN 102 or Decision 20/2020 code."""

    code = "agency-code-invalid"


class AttachmentError(EdxmlError):
    """An attachment cannot be decoded or unwrapped safely."""

    code = "attachment-invalid"


class SignatureError(EdxmlError):
    """Base of signature failures."""

    code = "signature-invalid"


class SignatureMissingError(SignatureError):
    code = "signature-missing"


class SignatureInvalidError(SignatureError):
    """The signature does not verify, or its structure could hide unsigned content."""

    code = "signature-invalid"


class SignatureUntrustedError(SignatureError):
    """The signature verifies but its certificate does not chain to a trust anchor."""

    code = "signature-untrusted"


class SignatureWeakError(SignatureError):
    """The signature uses an algorithm the policy refuses (SHA-1)."""

    code = "signature-weak"


class KeyLoadError(EdxmlError):
    """A key or certificate file cannot be read."""

    code = "key-invalid"


@dataclass
class Collected:
    """Accumulates warnings while reading (a tiny helper shared by the readers)."""

    warnings: list[Warning_] = field(default_factory=list)

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(Warning_(code, message))
