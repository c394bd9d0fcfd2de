"""RFC 9457 problem details: every error the API returns, mapped once from its typed origin.

``type`` ends in the stable machine code and ``code`` repeats it; no stack trace ever leaves.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from lienthong.edxml.errors import EdxmlError, InvalidError
from lienthong.hub.errors import HubError

PROBLEM_BASE = "https://lienthong.dev/problems/"

# Seconds a client is asked to wait when the database did not answer (a restart, a failover).
DATABASE_RETRY_AFTER = 2

# Status for the edXML library's codes (the hub's own errors carry theirs).
_EDXML_STATUS = {
    "edxml-malformed": 400,
    "edxml-forbidden": 400,
    "edxml-too-large": 413,
    "edxml-invalid": 422,
    "attachment-invalid": 422,
    "agency-code-invalid": 422,
    "signature-missing": 422,
    "signature-invalid": 422,
    "signature-untrusted": 422,
    "signature-weak": 422,
}

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> JsonResponse:
    body = {
        "type": PROBLEM_BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    return JsonResponse(
        body,
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def from_edxml(error: EdxmlError) -> JsonResponse:
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidError):
        extra["problems"] = [p.as_dict() for p in error.problems]
    return problem(_EDXML_STATUS.get(error.code, 422), error.code, error.message, **extra)


def from_hub(error: HubError) -> JsonResponse:
    response = problem(error.status, error.code, error.message, **error.extra)
    if "retry_after" in error.extra:
        response["Retry-After"] = str(error.extra["retry_after"])
    return response


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem(404, "not-found", "no such resource")


def database_unavailable() -> JsonResponse:
    """503 ``database-unavailable`` with ``Retry-After``: not now, rather than no.

    The request may or may not have been carried out (a commit whose answer was lost); every
    call of the API is safe to repeat, a submission of the same bytes gets the first receipt."""
    response = problem(
        503,
        "database-unavailable",
        "the hub's database did not answer or was busy; try again shortly "
        "(repeating this request is safe)",
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def is_database_outage(error: BaseException | None) -> bool:
    """True for the database being unreachable, restarting or busy (a connection refused or
    cut, an administrator's shutdown, a lock timeout): the operational kind of failure, which
    repeating the request later fixes; never for a constraint or data error."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error_view(request: HttpRequest) -> HttpResponse:
    # Django calls this handler while the uncaught exception is being handled (under ASGI too:
    # asgiref raises it again in the thread that runs the handler), so sys.exc_info() has it.
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable()
    return problem(500, "internal-error", "the hub could not complete the request; it was logged")
