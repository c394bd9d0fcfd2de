"""What can go wrong in the dms, as exception classes with a stable ``code``.

Views turn a :class:`DmsError` into a friendly message on the page, the CLI into a message and
an exit code; nothing a clerk sees is a stack trace.
"""

from __future__ import annotations


class DmsError(Exception):
    code = "dms-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DmsError):
    """The user's role (or agency) does not allow this action."""

    code = "not-allowed"


class WrongState(DmsError):
    """The document is not in a state where this action makes sense (or it is frozen)."""

    code = "wrong-state"


class InvalidInput(DmsError):
    code = "invalid-input"


class NotFound(DmsError):
    code = "not-found"


class SigningFailed(DmsError):
    """A signature could not be made (key, certificate, PDF); nothing was changed."""

    code = "signing-failed"


class NotArchivable(DmsError):
    """A document cannot be made PDF/A before it is signed (or a dossier cannot be packaged for
    the archive); the message says why in plain Vietnamese. Nothing was changed."""

    code = "not-archivable"


class DmsUnavailable(DmsError):
    """The environment is wrong (database down or not migrated, bad settings): exit 2."""

    code = "dms-unavailable"


def required_reason(reason: str, why: str) -> str:
    """``reason`` without surrounding blanks; :class:`InvalidInput` (``why``) when empty: the
    other side is told the reason (a refusal, a take-back and its answer)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(why)
    return reason
