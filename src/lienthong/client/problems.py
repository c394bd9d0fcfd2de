"""Reading a refusal off a hub response: RFC 9457 problem details, the OAuth2 token endpoint's
``{"error": …}`` form, or whatever a proxy in between answered."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .errors import HubProblem

# A code for answers that carry none (a proxy's HTML page, an empty body).
_STATUS_CODES = {
    400: "request-invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    413: "payload-too-large",
    429: "too-many-requests",
    503: "service-unavailable",
}


def problem_from(response: httpx.Response) -> HubProblem:
    """The :class:`HubProblem` a non-success ``response`` stands for (its body must be read)."""
    status = response.status_code
    body = _json_object(response.content)
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if isinstance(body.get("code"), str):
        detail = str(body.get("detail") or body.get("title") or response.reason_phrase)
        return HubProblem(status, body["code"], detail, body, retry_after=retry_after)
    if isinstance(body.get("error"), str):  # RFC 6749 §5.2, from the token endpoint
        described = body.get("error_description")
        reason = body["error"] + (f": {described}" if described else "")
        return HubProblem(
            status,
            "unauthorized",
            f"the hub refused the client credentials ({reason})",
            body,
            retry_after=retry_after,
        )
    code = _STATUS_CODES.get(status, "hub-error" if status >= 500 else "http-error")
    detail = f"the hub answered HTTP {status} {response.reason_phrase}".rstrip()
    return HubProblem(status, code, detail, body, retry_after=retry_after)


def _json_object(content: bytes) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _retry_after(value: str | None) -> float | None:
    # Only the delay-seconds form: an HTTP date means a clock to trust, and the cap applies anyway.
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
