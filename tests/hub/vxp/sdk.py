"""A VXP client written from docs/VXP.md alone — the test's own idea of the wire, independent
of :mod:`lienthong.hub.vxp` — behaving like the reference Java SDK: it keeps the parameters of
earlier calls on the client object and sends (and signs) them again, writes ``hash-file``
without zero padding, and stamps its local time with milliseconds after the ``+``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
from django.test import Client

# The client's local time: a document system in a Vietnamese office.
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
VERSION = "3.0.201608"


class Transport(Protocol):
    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes, content_type: str
    ) -> tuple[int, Any]: ...


def django_transport(client: Client) -> Transport:
    def send(
        method: str, path: str, headers: dict[str, str], body: bytes, content_type: str
    ) -> tuple[int, Any]:
        response = client.generic(
            method, path, data=body, content_type=content_type, headers=headers
        )
        return response.status_code, _json(response.content)

    return send


def httpx_transport(client: httpx.Client) -> Transport:
    def send(
        method: str, path: str, headers: dict[str, str], body: bytes, content_type: str
    ) -> tuple[int, Any]:
        response = client.request(
            method, path, content=body, headers={**headers, "Content-Type": content_type}
        )
        return response.status_code, _json(response.content)

    return send


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return {"not-json": content.decode(errors="replace")}


def timestamp(moment: dt.datetime) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS``: local wall time, milliseconds (4 digits) after the ``+``."""
    return f"{moment:%d%m%Y}T{moment:%H%M%S}+{moment.microsecond // 1000:04d}"


def unpadded_hex(data: bytes) -> str:
    """The SDK's hash-file: SHA-256, each byte in hex without its leading zero."""
    return "".join(f"{byte:x}" for byte in hashlib.sha256(data).digest())


@dataclass
class Sdk:
    transport: Transport
    systemid: str
    secret: str
    endpoint: str = "/vxp"
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(LOCAL))
    sign_kept: bool = True  # False: sign only this call's parameters, send the kept ones too
    kept: dict[str, str] = field(default_factory=dict)
    last: tuple[str, str, dict[str, str], bytes, str] | None = None  # to replay a call

    def call(
        self,
        verb: str,
        params: dict[str, str] | None = None,
        *,
        body: bytes = b"",
        method: str = "POST",
        content_type: str = "application/json",
        tamper: Callable[[dict[str, str]], None] | None = None,
    ) -> dict[str, Any]:
        params = dict(params or {})
        self.kept.update(params)
        base = {"systemid": self.systemid, "timestamp": timestamp(self.now())}
        base["Content-Type"] = content_type
        signed = {**(self.kept if self.sign_kept else params), **base}
        sign_header = json.dumps(
            {f"XroadVnpt-{k}": v for k, v in signed.items()}, separators=(",", ":")
        )
        headers = {"User-Agent": USER_AGENT, "XroadVnpt-version": VERSION}
        headers.update({f"XroadVnpt-{k}": v for k, v in {**self.kept, **base}.items()})
        headers["XroadVnpt-sign-header-key"] = ";".join(signed)
        headers["XroadVnpt-sign-header"] = sign_header
        headers["XroadVnpt-hash-header"] = hmac.new(
            self.secret.encode(), sign_header.encode(), hashlib.sha256
        ).hexdigest()
        if tamper is not None:
            tamper(headers)
        path = f"{self.endpoint}/{verb}"
        self.last = (method, path, headers, body, content_type)
        return self.send(method, path, headers, body, content_type)

    def replay(self) -> dict[str, Any]:
        assert self.last is not None
        return self.send(*self.last)

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes, content_type: str
    ) -> dict[str, Any]:
        status, answer = self.transport(method, path, headers, body, content_type)
        assert status == 200, (status, answer)
        assert isinstance(answer, dict) and answer.get("status") in ("OK", "FAIL"), answer
        return answer

    # --- the verbs ----------------------------------------------------------------------------

    def send_edoc(
        self, data: bytes, sender: str, *, messagetype: str = "edoc", hash_file: str | None = None
    ) -> dict[str, Any]:
        params = {
            "from": sender,
            "servicetype": "eDoc",
            "messagetype": messagetype,
            "hash-file": unpadded_hex(data) if hash_file is None else hash_file,
        }
        return self.call("sendEdoc", params, body=data, content_type="application/octet-stream")

    def received_list(self, messagetype: str = "edoc") -> dict[str, Any]:
        params = {"servicetype": "eDoc", "messagetype": messagetype}
        return self.call("getReceivedEdocList", params)

    def get_edoc(self, doc_id: str) -> dict[str, Any]:
        return self.call("getEdoc", {"docId": doc_id, "filePath": "/tmp/vxp-inbox"})

    def download_edoc(self, doc_id: str) -> dict[str, Any]:
        return self.call("downloadEdoc", {"docId": doc_id}, method="GET")

    def update_status(self, doc_id: str, status: str) -> dict[str, Any]:
        return self.call("updateStatus", {"docId": doc_id, "status": status})

    def sent_list(self, doc_id: str) -> dict[str, Any]:
        return self.call("getSentEdocList", {"docId": doc_id})

    def count_edoc(self) -> dict[str, Any]:
        return self.call("countReceiveEdoc", method="GET")

    def count_status(self) -> dict[str, Any]:
        return self.call("countReceiveStatus", method="GET")

    def agencies(self) -> dict[str, Any]:
        return self.call("getAgenciesList")

    def agencies_qd20(self, level: str) -> dict[str, Any]:
        return self.call("getAgenciesListQD20", {"level": level})

    def synchronize_units(self) -> dict[str, Any]:
        return self.call("getSynchronizeUnit")

    def register_agency(self, agency: dict[str, Any]) -> dict[str, Any]:
        return self.call("registerAgency", body=json.dumps(agency).encode())

    def delete_agency(self, code: str) -> dict[str, Any]:
        return self.call("deleteAgency", {"AgencyCode": code})
