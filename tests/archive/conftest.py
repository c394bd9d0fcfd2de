"""The archive's tests: SeaweedFS for the store's S3 copy."""

from __future__ import annotations

from ..seaweedfs import seaweedfs  # noqa: F401 - the fixture, for this folder's tests
