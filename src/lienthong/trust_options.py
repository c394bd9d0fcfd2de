"""The command-line options that choose a trust and revocation policy, shared by every
``verify`` command (``edxml verify``, ``pdf verify``), so that both read them alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .signatures.errors import TrustError
from .signatures.revocation import REVOCATION_MODES

if TYPE_CHECKING:
    from .signatures.trust import ValidationPolicy

TrustOpt = Annotated[
    list[Path],
    typer.Option("--trust", help="Trust anchor certificate, or a folder of them (repeatable)."),
]
RevocationOpt = Annotated[
    str,
    typer.Option(
        "--revocation",
        help="hard-fail: unknown revocation status is untrusted; soft-fail: unreachable "
        "responders are ignored; require: every certificate needs revocation data.",
    ),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Ask no OCSP or CRL server; use embedded data only.")
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help="Validate as of this ISO 8601 time (default: now).", show_default=False
    ),
]


def policy_from_options(
    trust: list[Path], revocation: str = "hard-fail", offline: bool = False, at: str | None = None
) -> ValidationPolicy:
    """A policy from the shared options; bad values raise :class:`TrustError` (exit 2)."""
    if revocation not in REVOCATION_MODES:
        raise TrustError(f"--revocation {revocation!r} is not one of {', '.join(REVOCATION_MODES)}")
    moment = None
    if at is not None:
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError:
            raise TrustError(f"--at {at!r} is not an ISO 8601 time") from None
    from .signatures.trust import ValidationPolicy  # the validator loads only when used

    return ValidationPolicy.from_paths(
        trust,
        revocation=revocation,
        fetch=not offline,
        at=moment,
    )
