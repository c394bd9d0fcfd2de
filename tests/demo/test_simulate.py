"""``lienthong simulate``: the plan it makes (pure), its dry run, its refusals. Playing a plan
on a real hub is in ``test_demo.py`` (on the running demo's hub) and, on the PostgreSQL
profile, here too."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lienthong.cli import app
from lienthong.demo.simulate import make_plan
from tests.hub.live import LiveHub, live_hub

from .simulation import play_and_check, simulate


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    first = make_plan(30, 200, months=12, seed=7)
    assert make_plan(30, 200, months=12, seed=7) == first
    assert make_plan(30, 200, months=12, seed=8).digest() != first.digest()
    expected = first.expected()
    assert expected["refusals"] > 0 and expected["revokes"] > 0 and expected["replacements"] > 0
    months = Counter(d.date[:7] for d in first.documents)
    assert len(months) == 12


def test_dry_run_prints_the_plan_without_a_hub() -> None:
    env = LiveHub(Path("/nonexistent"), None).env
    summary = simulate(env, "--agencies", "30", "--documents", "200", "--seed", "7", "--dry-run")
    plan = make_plan(30, 200, seed=7)
    assert summary["plan_sha256"] == plan.digest()
    assert summary["expected"] == plan.expected()


def test_bad_input_is_a_message_not_a_traceback() -> None:
    # Refused before anything is touched: run in this process. (A hub that does not answer is
    # in test_demo.py: it needs a hub's data to register the agencies on.)
    nowhere = "http://127.0.0.1:9"
    for args in (
        ["--agencies", "1", "--documents", "3"],
        ["--agencies", "3", "--documents", "0", "--hub", nowhere],
        ["--agencies", "3", "--documents", "3"],  # no --hub
        ["--agencies", "3", "--documents", "3", "--hub", "ftp://127.0.0.1:9"],
        ["--agencies", "3", "--documents", "3", "--concurrency", "0", "--hub", nowhere],
        ["--agencies", "3", "--documents", "3", "--months", "0"],
    ):
        result = CliRunner().invoke(app, ["simulate", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert "error" in result.stderr, (args, result.stderr)


# On SQLite, test_demo.py plays a plan on the running demo's hub; this is the PostgreSQL run's.
@pytest.mark.postgresql_profile
def test_a_run_puts_exactly_the_planned_messages_on_a_postgresql_hub(tmp_path: Path) -> None:
    with live_hub(tmp_path / "hub") as hub:
        play_and_check(hub.env, hub.base_url, lambda sql, args: hub.query(sql, args))
