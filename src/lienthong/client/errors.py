"""What can go wrong talking to a hub, as exception classes with a stable ``code``.

Two kinds matter to a caller: the hub *answered* and refused (:class:`HubProblem`, carrying the
RFC 9457 problem details and their machine code), or the hub could not be reached or was
failing even after the client's retries (:class:`HubUnavailable`: try again later, nothing was
lost). :class:`ContentMismatch` is the third: the bytes received are not the bytes the hub says
it sent.
"""

from __future__ import annotations

from typing import Any

# Statuses that say "not now" rather than "no": retried with backoff, then HubUnavailable.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class HubClientError(Exception):
    """Any failure of a call to the hub."""

    code = "hub-client-error"
    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class HubProblem(HubClientError):
    """The hub refused the call: ``status`` is the HTTP status, ``code`` the problem's stable
    machine code (``recipient-unknown``, ``signature-invalid``, ``unauthorized`` …), ``detail``
    its human explanation and ``body`` the whole problem document (``problems`` of an invalid
    edXML message, for instance)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        body: dict[str, Any],
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.body = body
        self.retryable = status in RETRYABLE_STATUSES
        self.retry_after = retry_after  # seconds the hub asked to wait (Retry-After), if any

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        extra = {k: v for k, v in self.body.items() if k not in ("type", "title", "detail")}
        return {**extra, "code": self.code, "message": self.detail, "status": self.status}


class HubUnavailable(HubClientError):
    """The hub could not be reached, or kept failing, through every retry. Retryable: a
    submission that ends here may or may not have been accepted, and submitting the same bytes
    again is safe (the hub answers the first receipt)."""

    code = "hub-unavailable"
    retryable = True

    def __init__(self, message: str, *, attempts: int, last: HubProblem | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last = last

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"code": self.code, "message": self.message}
        shown["attempts"] = self.attempts
        if self.last is not None:
            shown["status"] = self.last.status
        return shown


class ContentMismatch(HubClientError):
    """A fetched message's SHA-256 differs from the one the hub announced."""

    code = "content-mismatch"


class UnexpectedResponse(HubClientError):
    """The hub said yes, but not in the shape of its API (a proxy's page, a truncated body)."""

    code = "response-invalid"
