"""``lienthong demo`` and ``lienthong simulate`` (DESIGN.md §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lienthong.cli_output import EXIT_USAGE, console, emit_json, fail


def demo(
    hub_port: Annotated[int, typer.Option(min=1, max=65535, help="The hub's port.")] = 8000,
    dms_port: Annotated[int, typer.Option(min=1, max=65535, help="The dms's port.")] = 8001,
    pki_port: Annotated[
        int,
        typer.Option(
            min=1, max=65535, help="The test PKI's OCSP/CRL port (baked into its certificates)."
        ),
    ] = 9123,
    data_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps everything (reused by the next run).")
    ] = Path("var/demo"),
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Delete the demo's data first and seed again.")
    ] = False,
) -> None:
    from .processes import DemoError
    from .run import Ports, run_demo

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    def ready(text: str) -> None:
        print(text, flush=True)

    try:
        code = run_demo(
            data_dir=data_dir,
            ports=Ports(hub_port, dms_port, pki_port),
            fresh=fresh,
            say=say,
            on_ready=ready,
        )
    except DemoError as exc:
        fail("demo-failed", escape(str(exc)), EXIT_USAGE, False)
    raise typer.Exit(code)


def simulate(
    hub: Annotated[str, typer.Option("--hub", help="The hub's URL (http://127.0.0.1:8000).")] = "",
    agencies: Annotated[int, typer.Option(help="How many agencies take part.")] = 20,
    documents: Annotated[int, typer.Option(help="How many documents they send.")] = 100,
    months: Annotated[
        int, typer.Option(help="Spread the documents' own dates over this many months.")
    ] = 1,
    seed: Annotated[int, typer.Option(help="Same seed, same plan.")] = 0,
    rate: Annotated[
        float, typer.Option(min=0, help="At most this many documents per second (0: no limit).")
    ] = 0.0,
    concurrency: Annotated[
        int,
        typer.Option(
            help="Send from this many threads at once (each plays whole documents; the plan, "
            "and what the hub gets, stay the same)."
        ),
    ] = 4,
    pki: Annotated[
        Path | None,
        typer.Option(help="The simulator's test PKI (default: LIENTHONG_DATA_DIR/simulate-pki)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only make the plan and print what it holds.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object on standard output.")
    ] = False,
) -> None:
    import os

    from . import simulate as sim

    try:
        plan = sim.make_plan(agencies, documents, months=months, seed=seed)
    except sim.SimulationError as exc:
        fail("usage", str(exc), EXIT_USAGE, as_json)
    if concurrency < 1:
        fail("usage", "--concurrency must be at least 1", EXIT_USAGE, as_json)
    summary: dict[str, object] = {
        "seed": seed,
        "agencies": len(plan.agencies),
        "documents": len(plan.documents),
        "plan_sha256": plan.digest(),
        "expected": plan.expected(),
    }
    if dry_run:
        _report(summary, as_json)
        return
    if not hub.startswith(("http://", "https://")):
        fail("usage", "--hub URL (http:// or https://) is required", EXIT_USAGE, as_json)
    data_dir = Path(os.environ.get("LIENTHONG_DATA_DIR", "./var")).resolve()

    def say(text: str) -> None:
        if not as_json:
            console.print(text, markup=False, highlight=False)

    try:
        members = sim.register(plan, pki or data_dir / "simulate-pki", say=say)
        tally = _drive_with_progress(
            sim, plan, members, hub, rate, concurrency=concurrency, quiet=as_json
        )
    except sim.SimulationError as exc:
        fail("simulation-failed", escape(str(exc)), EXIT_USAGE, as_json)
    summary["sent"] = {
        "edoc": tally.edoc,
        "status": tally.status,
        "refusals": tally.refusals,
        "revokes": tally.revokes,
        "replacements": tally.replacements,
        "deliveries_acknowledged": tally.deliveries_acknowledged,
    }
    summary["concurrency"] = concurrency
    summary["seconds"] = round(tally.seconds, 2)
    summary["documents_per_second"] = (
        round(len(plan.documents) / tally.seconds, 1) if tally.seconds else None
    )
    _report(summary, as_json)


def _drive_with_progress(
    sim: Any, plan: Any, members: Any, hub: str, rate: float, *, concurrency: int, quiet: bool
) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("documents", total=len(plan.documents))
        return sim.drive(
            plan,
            members,
            hub,
            rate=rate,
            concurrency=concurrency,
            on_document=lambda: progress.advance(task),
        )


def _report(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        emit_json(summary)
        return
    for key, value in summary.items():
        console.print(f"{key}: {value}", markup=False, highlight=False)


# Typer shows a docstring's line breaks as they are: the help is written as paragraphs.
demo.__doc__ = "\n\n".join(
    (
        "Run a hub and a dms on SQLite with a seeded network; print the URLs and logins.",
        "The first run creates a test PKI, registers agencies (Government Office, ministries, "
        "provinces with departments and communes, one enterprise pending approval), hosts three "
        "agencies on the dms with a user per role, and puts documents in flight through the "
        "real services. Later runs reuse it (--fresh starts over). Ctrl-C stops everything.",
    )
)
simulate.__doc__ = "\n\n".join(
    (
        "Drive a hub through its real HTTP API with signed edXML from many agencies.",
        "First the agencies, their connected systems (sim-<code>) and signing certificates (a "
        "test PKI whose root the hub is told to trust) are registered through the hub's registry "
        "services, on the hub whose data LIENTHONG_DATA_DIR (and LIENTHONG_DATABASE_URL) name: "
        "run it on the hub's machine, with the hub's settings.",
        "Then every document goes over HTTP with the client SDK; each recipient leases, fetches "
        "and acknowledges it and answers with status notices (01 03 04 05 06; some refuse, 02); "
        "some documents are taken back (13, answered 15) or replaced. --concurrency threads "
        "send at once, each playing whole documents: the order of sending varies, the "
        "messages do not. A seed always gives the same plan (plan_sha256).",
        "The hub counts a message in the month it arrives and its API takes no past date, so "
        "--months spreads the documents' own dates (PromulgationDate, DocumentId), not the "
        "hub's monthly counters.",
    )
)
