"""Register agencies, systems, trust anchors and the operator on a hub through its registry
services (the same functions ``lienthong hub agency add`` and friends call).

Run in a process of its own under the hub's settings (``python -m lienthong.demo.seed_hub
PLAN.json OUT.json``, by :mod:`.run`), or called in-process by :mod:`.simulate`. Idempotent:
what is registered already is kept; a system that exists gets a new client secret (the hub
never shows the old one again).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SETTINGS_MODULE = "lienthong.sites.hub.settings"


class SeedError(Exception):
    """The hub cannot be seeded (environment, database, registry): a one-line message."""


def setup(*, migrate: bool) -> None:
    """Django for the hub in this process; migrate the database, or require it migrated."""
    import os

    configured = os.environ.get("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if configured != SETTINGS_MODULE:
        raise SeedError(f"DJANGO_SETTINGS_MODULE is {configured}; unset it")
    from lienthong.hub import server

    try:
        server.setup_django()
    except server.HubUnavailable as exc:
        raise SeedError(exc.message) from None
    with _reported():
        if migrate:
            server.migrate()
        else:
            server.require_migrated()


@contextmanager
def _reported() -> Iterator[None]:
    """The hub's own errors (registry, database, edXML) as :class:`SeedError`."""
    from lienthong.edxml.errors import EdxmlError
    from lienthong.hub import server
    from lienthong.hub.errors import HubError

    try:
        with server.environment_errors():
            yield
    except HubError as exc:
        raise SeedError(exc.message) from None
    except EdxmlError as exc:
        raise SeedError(exc.message) from None


def register_agencies(agencies: Iterable[dict[str, str]]) -> int:
    """Add each agency not registered yet (parents before children); how many were added."""
    from lienthong.hub.registry import services as registry
    from lienthong.hub.registry.models import Agency

    added = 0
    with _reported():
        known = set(Agency.objects.values_list("code", flat=True))
        for agency in agencies:
            if agency["code"] in known:
                continue
            registry.add_agency(
                agency["code"], agency["name"], kind=agency.get("kind", "state"), actor="demo"
            )
            known.add(agency["code"])
            added += 1
    return added


def trust(root_pem: bytes) -> None:
    """Trust the signers under a root certificate (adding it again changes nothing)."""
    from lienthong.hub.registry import services as registry

    with _reported():
        registry.add_trust_anchor(root_pem, actor="demo")


def connect_systems(systems: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each system with its agencies: ``{name: {client_id, client_secret, agencies}}``."""
    from lienthong.hub.registry import services as registry
    from lienthong.hub.registry.models import ConnectedSystem

    credentials: dict[str, dict[str, Any]] = {}
    with _reported():
        existing = set(ConnectedSystem.objects.values_list("name", flat=True))
        for system in systems:
            name = system["name"]
            codes: Sequence[str] = system["agencies"]
            if name in existing:
                made = registry.reissue_client_secret(name, actor="demo")
            else:
                made = registry.add_system(name, codes, actor="demo")
            credentials[name] = {
                "client_id": made.client_id,
                "client_secret": made.client_secret,
                "agencies": list(codes),
            }
    return credentials


HISTORY_MONTHS = 12


def import_history(agencies: Iterable[dict[str, str]]) -> int:
    """A year of monthly counts from before the hub (as a network migrating from the previous
    axis brings them), through ``lienthong hub stats-import``'s service: month ten twice month
    one, as the national axis's first year went. The year ends before the hub's first message,
    so a demo started again later imports the same year again (and changes nothing)."""
    import hashlib

    from lienthong.hub.stats.history import first_counted_month, import_history

    state = [a["code"] for a in agencies if a.get("kind", "state") == "state"]
    end = first_counted_month()
    months = []
    year, month = end.year, end.month
    for _ in range(HISTORY_MONTHS):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(f"{year:04d}-{month:02d}")
    months.reverse()
    rows = ["agency,month,kind,direction,count"]
    for code in state:
        base = 40 + hashlib.sha256(code.encode()).digest()[0] % 60  # 40-99 documents a month
        for i, label in enumerate(months):
            sent = round(base * (1 + i / 9))  # month ten (i = 9) is twice month one
            rows.append(f"{code},{label},edoc,sent,{sent}")
            rows.append(f"{code},{label},edoc,received,{round(sent * 1.1)}")
    with _reported():
        done = import_history(("\n".join(rows) + "\n").encode(), actor="demo")
    return done.documents


def add_operator(username: str, password: str) -> None:
    from django.contrib.auth import get_user_model

    from lienthong.hub.registry.operators import add_operator as add

    with _reported():
        if not get_user_model().objects.filter(username=username).exists():
            add(username, password, actor="demo")


def close() -> None:
    from django.db import connections

    connections.close_all()


def main(argv: list[str]) -> int:
    """``PLAN.json OUT.json``: seed the hub of ``LIENTHONG_DATA_DIR``; credentials to OUT."""
    plan_path, out_path = Path(argv[0]), Path(argv[1])
    plan = json.loads(plan_path.read_text())
    try:
        setup(migrate=True)
        register_agencies(plan["agencies"])
        trust(Path(plan["trust_root"]).read_bytes())
        credentials = connect_systems(plan["systems"])
        import_history(plan["agencies"])
        add_operator(plan["operator"]["username"], plan["operator"]["password"])
        close()
    except SeedError as exc:
        print(f"hub seeding failed: {exc}", file=sys.stderr)
        return 2
    out_path.touch(0o600)
    out_path.write_text(json.dumps({"systems": credentials}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
