""":class:`HubClient`: one connected system talking to one hub over its HTTP API (DESIGN.md §6).

Every call of the API is idempotent on the hub's side — a submission of the same bytes answers
the first receipt, leasing again hands out what was not acknowledged, acknowledging twice with
the same answer changes nothing — so every call is retried the same way: on a connection
error, a timeout, 429 or a 5xx, with bounded exponential backoff and jitter, and then raised as
:class:`~lienthong.client.errors.HubUnavailable`. Any other refusal is raised at once as
:class:`~lienthong.client.errors.HubProblem` with the hub's stable code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from lienthong import __version__

from .backoff import Backoff
from .errors import ContentMismatch, HubProblem, HubUnavailable, UnexpectedResponse
from .oauth import ClientCredentials
from .problems import problem_from
from .results import Accepted, Acknowledged, AgencyPage, Fetched, InboxItem, Kind

T = TypeVar("T")

API_PREFIX = "/api/v1"
CHECKSUM_HEADER = "X-Content-SHA256"
_CHUNK = 1 << 20
_AGENCY_PAGE = 500


class HubClient:
    """A connected system's session with a hub.

    ``base_url`` is the hub's address (``https://hub.example.vn``; a trailing ``/api/v1`` is
    accepted too). ``retries`` retries follow a failed attempt, waiting ``backoff`` seconds
    doubled each time (with jitter), never more than ``max_backoff`` at once. ``transport``
    is handed to httpx (tests, proxies, mTLS set-ups). Safe to share between threads; close it,
    or use it as a context manager.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ) -> None:
        root = base_url.rstrip("/")
        if root.endswith(API_PREFIX):
            root = root[: -len(API_PREFIX)]
        self.base_url = root
        self._backoff = Backoff(retries=retries, base=backoff, cap=max_backoff)
        self._credentials = ClientCredentials(client_id, client_secret)
        self._http = httpx.Client(
            base_url=root + API_PREFIX,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"lienthong-client/{__version__}"},
        )

    def __repr__(self) -> str:
        return f"HubClient({self.base_url!r}, client_id={self._credentials.client_id!r})"

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- the API -------------------------------------------------------------------------------

    def submit(self, edxml: bytes) -> Accepted:
        """Submit an edXML message (a document or a status) for the agency it is from.

        ``created`` is false when the hub had accepted these very bytes before: the answer is
        then the first receipt, so a submission cut off by a network failure may be repeated."""

        def accepted(response: httpx.Response) -> Accepted:
            body = _json(response)
            try:
                return Accepted(
                    id=str(body["id"]),
                    receipt=dict(body["receipt"]),
                    recipients=tuple(str(r) for r in body["recipients"]),
                    created=response.status_code == 201,
                )
            except (KeyError, TypeError, ValueError):
                raise UnexpectedResponse("the hub accepted the message without a receipt") from None

        return self._call(
            "POST",
            "/messages",
            content=edxml,
            headers={"Content-Type": "application/xml"},
            read=accepted,
        )

    def inbox(self, kind: Kind | None = None, limit: int = 50) -> list[InboxItem]:
        """Lease up to ``limit`` waiting deliveries (documents, statuses or both). Each stays
        leased to this system until acknowledged or until its lease runs out."""
        params: dict[str, str | int] = {"limit": limit}
        if kind is not None:
            params["kind"] = kind

        def items(response: httpx.Response) -> list[InboxItem]:
            try:
                return [InboxItem.from_wire(item) for item in _json(response)["items"]]
            except (KeyError, TypeError, ValueError):
                raise UnexpectedResponse("the hub's inbox answer has no readable items") from None

        return self._call("GET", "/inbox", params=params, read=items)

    def fetch(self, message_id: str) -> bytes:
        """The message's bytes exactly as submitted, checked against the hub's SHA-256."""

        def whole(response: httpx.Response) -> bytes:
            data = response.read()
            _check_digest(response, hashlib.sha256(data).hexdigest(), message_id)
            return data

        return self._call("GET", _message_path(message_id), read=whole)

    def fetch_to(self, message_id: str, path: str | os.PathLike[str]) -> Fetched:
        """Stream the message into ``path``: the file appears whole, checked and flushed to disk,
        or not at all (safe to acknowledge once this returns)."""
        target = Path(path)

        def save(response: httpx.Response) -> Fetched:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            try:
                digest, size = hashlib.sha256(), 0
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.iter_bytes(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                _check_digest(response, digest.hexdigest(), message_id)
                os.replace(part, target)
            finally:
                Path(part).unlink(missing_ok=True)
            return Fetched(message_id, target, size, digest.hexdigest())

        return self._call("GET", _message_path(message_id), read=save)

    def ack(self, delivery_id: str, done: bool = True, reason: str = "") -> Acknowledged:
        """Acknowledge a leased delivery: taken (``done``) or refused, with a reason."""
        body: dict[str, str] = {"result": "done" if done else "fail"}
        if reason:
            body["reason"] = reason

        def acknowledged(response: httpx.Response) -> Acknowledged:
            state = _json(response).get("state")
            if not isinstance(state, str):
                raise UnexpectedResponse("the hub acknowledged without saying the delivery state")
            return Acknowledged(delivery_id, state)

        return self._call(
            "POST", f"/inbox/{quote(delivery_id, safe='')}/ack", json_body=body, read=acknowledged
        )

    def trace(self, message_id: str) -> dict[str, Any]:
        """For a message this system sent: each recipient's delivery state and status history."""
        return self._call("GET", _message_path(message_id) + "/trace", read=_json)

    def agency_page(
        self,
        since: str | None = None,
        level: int | None = None,
        q: str | None = None,
        limit: int = _AGENCY_PAGE,
    ) -> AgencyPage:
        """One page of the directory, changes after ``since`` (the previous ``next_since``)."""
        params: dict[str, str | int] = {"limit": limit}
        for name, value in (("since", since), ("level", level), ("q", q)):
            if value is not None:
                params[name] = value
        body = self._call("GET", "/agencies", params=params, read=_json)
        try:
            items = [dict(item) for item in body["items"]]
        except (KeyError, TypeError, ValueError):
            raise UnexpectedResponse("the hub's directory answer has no readable items") from None
        next_since = body.get("next_since")
        return AgencyPage(items, None if next_since is None else str(next_since))

    def agencies(
        self, since: str | None = None, level: int | None = None, q: str | None = None
    ) -> list[dict[str, Any]]:
        """The whole directory (or the changes after ``since``), page after page."""
        found: list[dict[str, Any]] = []
        cursor = since
        while True:
            page = self.agency_page(cursor, level, q, _AGENCY_PAGE)
            found.extend(page.items)
            if len(page.items) < _AGENCY_PAGE or page.next_since in (None, cursor):
                return found
            cursor = page.next_since

    def health(self) -> dict[str, Any]:
        """The hub's liveness answer (no credentials needed)."""
        return self._call("GET", "/health", authenticated=False, read=_json)

    # --- one call, its token and its retries --------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        read: Callable[[httpx.Response], T],
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
    ) -> T:
        last_problem: HubProblem | None = None
        cause = ""
        attempts = self._backoff.retries + 1
        for attempt in range(attempts):
            if attempt:
                retry_after = last_problem.retry_after if last_problem else None
                time.sleep(self._backoff.delay(attempt - 1, retry_after=retry_after))
            try:
                return self._attempt(
                    method, path, read, params, content, json_body, headers, authenticated
                )
            except HubProblem as problem:
                if not problem.retryable:
                    raise
                last_problem, cause = problem, str(problem)
            except httpx.TransportError as exc:
                last_problem, cause = None, _describe(exc)
        raise HubUnavailable(
            f"the hub at {self.base_url} is unavailable ({cause}) after {attempts} attempt"
            f"{'s' if attempts > 1 else ''}; try again later",
            attempts=attempts,
            last=last_problem,
        )

    def _attempt(
        self,
        method: str,
        path: str,
        read: Callable[[httpx.Response], T],
        params: Mapping[str, str | int] | None,
        content: bytes | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        authenticated: bool,
    ) -> T:
        renewed = False
        while True:
            sent_headers = dict(headers or {})
            token = None
            if authenticated:
                token = self._credentials.bearer(self._http)
                sent_headers["Authorization"] = f"Bearer {token}"
            request = self._http.build_request(
                method, path, params=params, content=content, json=json_body, headers=sent_headers
            )
            response = self._http.send(request, stream=True)
            try:
                if response.status_code == 401 and token is not None and not renewed:
                    # Revoked or expired early: one fresh token, then the hub's word stands.
                    self._credentials.forget(token)
                    renewed = True
                    continue
                if not response.is_success:
                    response.read()
                    raise problem_from(response)
                return read(response)
            finally:
                response.close()


def _message_path(message_id: str) -> str:
    return f"/messages/{quote(message_id, safe='')}"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.read())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UnexpectedResponse(
            f"the hub answered {response.request.url.path} with something other than JSON"
        )
    return body


def _check_digest(response: httpx.Response, actual: str, message_id: str) -> None:
    announced = response.headers.get(CHECKSUM_HEADER)
    if announced is not None and announced.strip().lower() != actual:
        raise ContentMismatch(
            f"message {message_id}: the bytes received have SHA-256 {actual}, "
            f"the hub announced {announced.strip()}"
        )


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
