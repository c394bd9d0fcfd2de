"""RFC 9457 problem details: every error the API returns, mapped once from its typed origin.

``type`` ends in the stable machine code and ``code`` repeats it; no stack trace ever leaves.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from lienthong.edxml.errors import EdxmlError, InvalidError
from lienthong.hub.errors import HubError

PROBLEM_BASE = "https://lienthong.dev/problems/"

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


def server_error_view(request: HttpRequest) -> HttpResponse:
    return problem(500, "internal-error", "the hub could not complete the request; it was logged")
