"""Whose signatures the dms trusts: the roots named by ``LIENTHONG_DMS_TRUST_ANCHORS``."""

from __future__ import annotations

import threading

from django.conf import settings

from lienthong.signatures.errors import TrustError
from lienthong.signatures.trust import ValidationPolicy, VerdictCache

_lock = threading.Lock()
_cached: dict[tuple[object, ...], ValidationPolicy | None] = {}


def policy() -> ValidationPolicy | None:
    """The validation policy, or None when no trust anchor is configured (nothing can then be
    trusted, and the verdicts say so)."""
    config = settings.LIENTHONG_DMS
    key = (config.trust_anchors, config.revocation)
    with _lock:
        if key not in _cached:
            if not config.trust_anchors:
                _cached[key] = None
            else:
                try:
                    _cached[key] = ValidationPolicy.from_paths(
                        list(config.trust_anchors),
                        revocation=config.revocation,
                        cache=VerdictCache(),
                    )
                except (TrustError, OSError):
                    _cached[key] = None
        return _cached[key]


def forget() -> None:
    with _lock:
        _cached.clear()
