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
    """Each test runs in the profile it belongs to; the others are reported as deselected.

    * ``postgresql_profile``: tests of the PostgreSQL profile itself run only in the run with
      ``LIENTHONG_DATABASE_URL`` set.
    * ``browser``: pages driven through a real browser run only in the SQLite run. What the
      pages do is a service function, tested in both profiles; the browser adds nothing that
      depends on the database, only minutes.
    """
    on_postgresql = bool(os.environ.get("LIENTHONG_DATABASE_URL"))
    other_profile = "browser" if on_postgresql else "postgresql_profile"
    left_out = [item for item in items if item.get_closest_marker(other_profile)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(other_profile)]
