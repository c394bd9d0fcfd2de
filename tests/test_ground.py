"""Specifications of the project's ground: the package, its boundaries, the test services policy."""

from __future__ import annotations

import importlib.metadata
import pathlib
import socket
import subprocess
import sys

import pytest

import lienthong

CONFTEST = pathlib.Path(__file__).with_name("conftest.py")


def test_package_version_is_exposed() -> None:
    assert lienthong.__version__ == importlib.metadata.version("lienthong")


def test_edxml_library_imports_no_web_framework() -> None:
    # edxml is reusable outside the hub: importing all of it must not drag Django or HTTP in.
    probe = (
        "import pkgutil, sys, importlib, lienthong.edxml as p\n"
        "for m in pkgutil.walk_packages(p.__path__, 'lienthong.edxml.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'django', 'httpx', 'ninja'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(("ci", "outcome"), [("true", "errors"), ("", "skipped")])
def test_missing_database_fails_in_ci_and_skips_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile("def test_needs_database(postgres_url):\n    pass\n")
    monkeypatch.setenv("CI", ci)
    port = closed_port()
    monkeypatch.setenv(
        "LIENTHONG_TEST_DATABASE_URL", f"postgresql://postgres:pw@127.0.0.1:{port}/x"
    )

    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django", "-rs")

    result.assert_outcomes(**{outcome: 1})
    result.stdout.fnmatch_lines(
        [f"*PostgreSQL is not reachable at postgresql://127.0.0.1:{port}/x*"]
    )
    assert ":pw@" not in result.stdout.str()
