"""The names of the revocation modes (kept light: command lines and settings read them)."""

from __future__ import annotations

from typing import Literal

RevocationMode = Literal["hard-fail", "soft-fail", "require"]
REVOCATION_MODES: tuple[RevocationMode, ...] = ("hard-fail", "soft-fail", "require")
