"""``lienthong simulate`` against a real hub: the plan it makes is the plan it plays."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lienthong.demo.simulate import make_plan
from tests.hub.live import LiveHub, live_hub


def simulate(hub: LiveHub | None, *args: str) -> Any:
    env = hub.env if hub is not None else LiveHub(Path("/nonexistent"), None).env
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


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    with live_hub(tmp_path_factory.mktemp("sim-hub")) as live:
        yield live


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    first = make_plan(30, 200, months=12, seed=7)
    assert make_plan(30, 200, months=12, seed=7) == first
    assert make_plan(30, 200, months=12, seed=8).digest() != first.digest()
    expected = first.expected()
    assert expected["refusals"] > 0 and expected["revokes"] > 0 and expected["replacements"] > 0
    months = Counter(d.date[:7] for d in first.documents)
    assert len(months) == 12


def test_dry_run_prints_the_plan_without_a_hub() -> None:
    summary = simulate(None, "--agencies", "30", "--documents", "200", "--seed", "7", "--dry-run")
    plan = make_plan(30, 200, seed=7)
    assert summary["plan_sha256"] == plan.digest()
    assert summary["expected"] == plan.expected()


def test_a_run_puts_exactly_the_planned_messages_on_the_hub(hub: LiveHub) -> None:
    args = ["--hub", hub.base_url, "--agencies", "5", "--documents", "10", "--seed", "5"]
    summary = simulate(hub, *args, "--months", "3")
    expected = summary["expected"]
    assert {k: summary["sent"][k] for k in expected} == expected
    stored = dict(hub.query("SELECT kind, COUNT(*) FROM exchange_message GROUP BY kind"))
    assert stored == {"edoc": expected["edoc"], "status": expected["status"]}
    refused = hub.query(
        "SELECT COUNT(*) FROM exchange_message WHERE kind = 'status' AND status_code = '02'"
    )
    assert refused == [(expected["refusals"],)]
    waiting = hub.query("SELECT COUNT(*) FROM exchange_delivery WHERE state != 'delivered'")
    assert waiting == [(0,)]


def test_bad_input_is_a_message_not_a_traceback(hub: LiveHub) -> None:
    for args in (
        ["--agencies", "1", "--documents", "3"],
        ["--agencies", "3", "--documents", "0", "--hub", hub.base_url],
        ["--agencies", "3", "--documents", "3"],  # no --hub
        ["--agencies", "2", "--documents", "1", "--hub", "http://127.0.0.1:9"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "lienthong", "simulate", *args],
            capture_output=True,
            text=True,
            env=hub.env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "error" in done.stderr, done.stderr
