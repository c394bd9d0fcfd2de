"""The real messages kept byte for byte in ``shared/samples/edxml`` (see its README).

``shared/`` lies beside the repository, on a developer's machine as in CI.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "edxml"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()
