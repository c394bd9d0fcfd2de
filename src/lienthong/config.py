"""Every setting lienthong reads from the environment, with its safe default: the one place.

| variable | default | meaning |
| --- | --- | --- |
| ``LIENTHONG_DATA_DIR`` | ``./var`` | a site's state: SQLite database, payloads, keys |
| ``LIENTHONG_DATABASE_URL`` | SQLite in the data dir | ``postgres://…`` (scale profile) |
| ``LIENTHONG_BLOB_URL`` | files in the data dir | ``s3://bucket?endpoint=…`` (scale profile) |
| ``LIENTHONG_SECRET_KEY`` | generated once, kept in the data dir | Django's signing secret |
| ``LIENTHONG_DEBUG`` | ``false`` | Django debug pages (never in production) |
| ``LIENTHONG_ALLOWED_HOSTS`` | ``localhost,127.0.0.1,[::1]`` | comma-separated host names served |
| ``LIENTHONG_MAX_MESSAGE_BYTES`` | 100 MB | largest edXML accepted |
| ``LIENTHONG_REQUIRE_SIGNATURE`` | ``true`` | documents (edoc) must carry a trusted signature |
| ``LIENTHONG_LEASE_SECONDS`` | 300 | how long a pulled delivery stays leased before it comes back |
| ``LIENTHONG_REVOCATION`` | ``soft-fail`` | revocation mode of signature checks |
| ``LIENTHONG_METRICS_TOKEN`` | none | bearer token for ``/metrics`` from other machines |
| ``LIENTHONG_RATE_LIMIT`` | 200 | requests per second per system and process (0: off) |
| ``LIENTHONG_MAX_LEASES`` | 20 | leases without acknowledgement before a delivery is dead |
| ``LIENTHONG_WEBHOOK_MAX_ATTEMPTS`` | 12 | webhook tries before a notification is dead |
| ``LIENTHONG_VXP_WINDOW_SECONDS`` | 300 | how far a VXP timestamp may be from the hub's clock |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .signatures.revocation import REVOCATION_MODES, RevocationMode


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str | None
    blob_url: str | None
    debug: bool
    allowed_hosts: tuple[str, ...]
    max_message_bytes: int
    require_signature: bool
    lease_seconds: int
    revocation: RevocationMode
    metrics_token: str | None
    rate_limit: float
    max_leases: int
    webhook_max_attempts: int
    vxp_window_seconds: int = 300

    @property
    def secret_key(self) -> str:
        configured = os.environ.get("LIENTHONG_SECRET_KEY")
        if configured:
            return configured
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()


def load() -> Config:
    hosts = os.environ.get("LIENTHONG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
    return Config(
        data_dir=Path(os.environ.get("LIENTHONG_DATA_DIR", "./var")).resolve(),
        database_url=os.environ.get("LIENTHONG_DATABASE_URL") or None,
        blob_url=os.environ.get("LIENTHONG_BLOB_URL") or None,
        debug=_flag("LIENTHONG_DEBUG", False),
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        max_message_bytes=_int("LIENTHONG_MAX_MESSAGE_BYTES", 100 * 1024 * 1024),
        require_signature=_flag("LIENTHONG_REQUIRE_SIGNATURE", True),
        lease_seconds=_int("LIENTHONG_LEASE_SECONDS", 300),
        metrics_token=os.environ.get("LIENTHONG_METRICS_TOKEN") or None,
        rate_limit=float(os.environ.get("LIENTHONG_RATE_LIMIT") or 200),
        max_leases=_int("LIENTHONG_MAX_LEASES", 20),
        webhook_max_attempts=_int("LIENTHONG_WEBHOOK_MAX_ATTEMPTS", 12),
        vxp_window_seconds=_int("LIENTHONG_VXP_WINDOW_SECONDS", 300),
        revocation=_revocation(os.environ.get("LIENTHONG_REVOCATION", "soft-fail")),
    )


def _revocation(value: str) -> RevocationMode:
    for mode in REVOCATION_MODES:
        if value == mode:
            return mode
    raise ValueError(f"LIENTHONG_REVOCATION={value!r} is not one of {', '.join(REVOCATION_MODES)}")
