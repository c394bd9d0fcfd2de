"""Fixtures shared by the whole suite: the services tests run against.

Policy: in CI (``CI=true``) a test that needs a service fails when the service is missing, so a
green CI run never hides skipped tests; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import parse_qs, urlsplit

import pytest

pytest_plugins = ["pytester"]

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def missing_service(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true: tests are not skipped for a missing service)")
    pytest.skip(reason)


def _postgres_reachable(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    port = parts.port or 5432
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    try:
        if not parts.hostname and socket_dir.startswith("/"):
            with socket.socket(socket.AF_UNIX) as unix:
                unix.settimeout(timeout)
                unix.connect(f"{socket_dir}/.s.PGSQL.{port}")
        else:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout):
                pass
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the PostgreSQL server tests may use (``LIENTHONG_TEST_DATABASE_URL`` overrides)."""
    url = os.environ.get("LIENTHONG_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    if not _postgres_reachable(url):
        parts = urlsplit(url)
        host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        location = parts._replace(netloc=host).geturl()  # without the password
        missing_service(
            f"PostgreSQL is not reachable at {location} (set LIENTHONG_TEST_DATABASE_URL, "
            "or start it: .ci/services)"
        )
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of the PostgreSQL profile itself (``postgresql_profile``) belong to the run with
    ``LIENTHONG_DATABASE_URL`` set; the SQLite run leaves them out (reported as deselected)."""
    if os.environ.get("LIENTHONG_DATABASE_URL"):
        return
    profile_only = [item for item in items if item.get_closest_marker("postgresql_profile")]
    if profile_only:
        config.hook.pytest_deselected(items=profile_only)
        items[:] = [item for item in items if item not in profile_only]
