"""The hub's trust store as a validation policy (the same policy PDF and edXML checks use)."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from lienthong.signatures.trust import ValidationPolicy, VerdictCache, load_certificates

from .models import TrustAnchor

_lock = threading.Lock()
_current: tuple[float, tuple[str, ...], ValidationPolicy | None] = (0.0, (), None)


def hub_policy() -> ValidationPolicy | None:
    """The policy built from the registered trust anchors; None when there are none.

    The anchors are looked at again every few seconds; the policy is rebuilt when they changed,
    with an empty verdict cache: a signer trusted under a removed root is not trusted any more.
    """
    global _current
    with _lock:
        checked_at, known, policy = _current
        if time.monotonic() - checked_at < 5:
            return policy
        fingerprints = tuple(
            TrustAnchor.objects.order_by("fingerprint").values_list("fingerprint", flat=True)
        )
        if fingerprints != known or policy is None:
            pems = TrustAnchor.objects.order_by("fingerprint").values_list(
                "certificate_pem", flat=True
            )
            certs = tuple(c for pem in pems for c in load_certificates(pem.encode()))
            policy = (
                ValidationPolicy(
                    certs, revocation=settings.LIENTHONG.revocation, cache=VerdictCache(ttl=300)
                )
                if certs
                else None
            )
        _current = (time.monotonic(), fingerprints, policy)
        return policy


def forget_policy() -> None:
    """Make the next call rebuild the policy (after anchors were added or removed)."""
    global _current
    with _lock:
        _current = (0.0, (), None)
