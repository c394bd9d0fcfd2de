"""The dms suite: its own Django site, so its own pytest run (``--ds=lienthong.sites.dms.settings``,
see the Makefile). Under any other settings the whole folder is left out of collection.

Real parts only: the database of the run (SQLite, or PostgreSQL with LIENTHONG_DMS_DATABASE_URL),
lienthong's test PKI served over HTTP (OCSP, CRLs, TSA), and for end-to-end tests a real hub
server (``tests/hub/live.py``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DMS_SETTINGS = "lienthong.sites.dms.settings"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if os.environ.get("DJANGO_SETTINGS_MODULE") != DMS_SETTINGS:
        return True
    return None


@pytest.fixture(scope="session")
def served_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from .pki import make_served_pki

    pki = make_served_pki(tmp_path_factory.mktemp("dms-pki"))
    yield pki
    pki.stop()


@pytest.fixture(autouse=True)
def _dms_settings(settings: Any, tmp_path: Path, served_pki: Any) -> Iterator[None]:
    from django.utils import translation

    from lienthong.dms import trust

    settings.LIENTHONG_DMS = dataclasses.replace(
        settings.LIENTHONG_DMS, data_dir=tmp_path / "dms", trust_anchors=(served_pki.root,)
    )
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    trust.forget()
    yield
    trust.forget()
    # A request in English leaves English active in the thread: later tests read Vietnamese.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def offices(db: None, served_pki: Any) -> Any:
    """Two agencies hosted on this install (no hub reachable), each with a user per role."""
    from .support import host_offices

    return host_offices(served_pki, hub_url="http://127.0.0.1:9", credentials={})


@pytest.fixture(scope="session")
def hub_template(served_pki: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The hub every test's hub is a copy of (``support.HubTemplate``): set up once."""
    from .support import hub_template

    with hub_template(served_pki, tmp_path_factory.mktemp("hub-template")) as template:
        yield template


@pytest.fixture
def network(
    transactional_db: None, served_pki: Any, hub_template: Any, tmp_path: Path
) -> Iterator[Any]:
    """A real hub server (``lienthong hub serve``) with the two agencies, one connected system
    each, trusting the test PKI; both agencies hosted on this dms, pointing at it."""
    from .support import live_network

    with live_network(served_pki, hub_template, tmp_path / "hub") as network:
        yield network
