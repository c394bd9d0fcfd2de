"""Every setting the dms reads from the environment, with its safe default: the one place.

| variable | default | meaning |
| --- | --- | --- |
| ``LIENTHONG_DMS_DATA_DIR`` | ``./var/dms`` | the dms's state: SQLite database, files, secret key |
| ``LIENTHONG_DMS_DATABASE_URL`` | SQLite (WAL) in the data dir | ``postgres://…`` (scale profile) |
| ``LIENTHONG_DMS_SECRET_KEY`` | generated once, kept in the data dir | Django's signing secret |
| ``LIENTHONG_DMS_DEBUG`` | ``false`` | Django debug pages (never in production) |
| ``LIENTHONG_DMS_ALLOWED_HOSTS`` | ``localhost,127.0.0.1,[::1]`` | host names served |
| ``LIENTHONG_DMS_TRUST_ANCHORS`` | none | root certificates (files, folders; comma-separated) |
| ``LIENTHONG_DMS_REVOCATION`` | ``soft-fail`` | revocation mode of signature checks |
| ``LIENTHONG_DMS_TSA_URL`` | none | time-stamp authority: PAdES B-T (not B-B); B-LTA in packages |
| ``LIENTHONG_DMS_POLL_SECONDS`` | 30 | pause of ``lienthong dms worker`` between passes |
| ``LIENTHONG_DMS_MAX_UPLOAD_BYTES`` | 100 MB | largest file a user may upload |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from lienthong.signatures.revocation import REVOCATION_MODES, RevocationMode


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def _list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(p.strip() for p in os.environ.get(name, default).split(",") if p.strip())


@dataclass(frozen=True)
class DmsConfig:
    data_dir: Path
    database_url: str | None
    debug: bool
    allowed_hosts: tuple[str, ...]
    trust_anchors: tuple[Path, ...]
    revocation: RevocationMode
    tsa_url: str | None
    poll_seconds: float
    max_upload_bytes: int

    @property
    def secret_key(self) -> str:
        configured = os.environ.get("LIENTHONG_DMS_SECRET_KEY")
        if configured:
            return configured
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def files_dir(self) -> Path:
        """Where payloads, attachments and drafts are kept (content-addressed)."""
        return self.data_dir / "files"


def load() -> DmsConfig:
    return DmsConfig(
        data_dir=Path(os.environ.get("LIENTHONG_DMS_DATA_DIR", "./var/dms")).resolve(),
        database_url=os.environ.get("LIENTHONG_DMS_DATABASE_URL") or None,
        debug=_flag("LIENTHONG_DMS_DEBUG", False),
        allowed_hosts=_list("LIENTHONG_DMS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]"),
        trust_anchors=tuple(Path(p) for p in _list("LIENTHONG_DMS_TRUST_ANCHORS")),
        revocation=_revocation(os.environ.get("LIENTHONG_DMS_REVOCATION", "soft-fail")),
        tsa_url=os.environ.get("LIENTHONG_DMS_TSA_URL") or None,
        poll_seconds=_number("LIENTHONG_DMS_POLL_SECONDS", 30),
        max_upload_bytes=int(_number("LIENTHONG_DMS_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)),
    )


def _revocation(value: str) -> RevocationMode:
    for mode in REVOCATION_MODES:
        if value == mode:
            return mode
    raise ValueError(
        f"LIENTHONG_DMS_REVOCATION={value!r} is not one of {', '.join(REVOCATION_MODES)}"
    )
