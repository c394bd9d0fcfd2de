"""Playing a ``lienthong simulate`` plan on a real hub and finding exactly it in the hub's
database — shared by the run on the demo's hub (``test_demo.py``) and on a PostgreSQL one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lienthong.demo.simulate import make_plan

Query = Callable[[str, Sequence[Any]], list[Any]]
AGENCIES, DOCUMENTS, MONTHS, SEED = 5, 10, 3, 5


def simulate(env: dict[str, str], *args: str) -> Any:
    """``lienthong simulate … --json`` as a command; its JSON summary."""
    done = subprocess.run(
        [sys.executable, "-m", "lienthong", "simulate", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, (done.stdout, done.stderr)
    return json.loads(done.stdout)


def play_and_check(env: dict[str, str], hub_url: str, query: Query) -> None:
    """A small plan sent from four threads: the hub stores exactly the planned messages
    (counted by the plan's own agencies, so a hub with other traffic will do), every delivery
    acknowledged."""
    plan = make_plan(AGENCIES, DOCUMENTS, months=MONTHS, seed=SEED)
    summary = simulate(
        env,
        *("--hub", hub_url, "--agencies", str(AGENCIES), "--documents", str(DOCUMENTS)),
        *("--months", str(MONTHS), "--seed", str(SEED), "--concurrency", "4"),
    )
    assert summary["concurrency"] == 4
    # Sent from four threads, in whatever order: still the seed's plan, all of it.
    assert summary["plan_sha256"] == plan.digest()
    expected = summary["expected"]
    assert expected == plan.expected()
    assert expected["refusals"] > 0 and expected["revokes"] > 0
    assert {k: summary["sent"][k] for k in expected} == expected
    codes = [a.code for a in plan.agencies]
    marks = ",".join("?" * len(codes))
    sent_by_them = (
        "FROM exchange_message m JOIN registry_agency a ON a.id = m.sender_id "
        f"WHERE a.code IN ({marks})"
    )
    stored = dict(query(f"SELECT m.kind, COUNT(*) {sent_by_them} GROUP BY m.kind", codes))
    assert stored == {"edoc": expected["edoc"], "status": expected["status"]}
    refused = query(
        f"SELECT COUNT(*) {sent_by_them} AND m.kind = 'status' AND m.status_code = '02'", codes
    )
    assert refused == [(expected["refusals"],)]
    waiting = query(
        "SELECT COUNT(*) FROM exchange_delivery d JOIN registry_agency a ON a.id = d.recipient_id "
        f"WHERE a.code IN ({marks}) AND d.state != 'delivered'",
        codes,
    )
    assert waiting == [(0,)]
    acknowledged = query(
        "SELECT COUNT(*) FROM exchange_delivery d JOIN registry_agency a ON a.id = d.recipient_id "
        f"WHERE a.code IN ({marks})",
        codes,
    )
    assert acknowledged == [(summary["sent"]["deliveries_acknowledged"],)]
