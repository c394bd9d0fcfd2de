"""The real messages kept byte for byte in ``shared/samples/edxml`` (see its README)."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "edxml"
if not SAMPLES.is_dir():  # CI lays shared/ beside the clone, as on a developer machine
    SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "edxml"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
