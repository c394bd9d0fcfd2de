"""The ``lienthong`` command: one sub-command per part (contract: see DESIGN.md §7).

Exit codes: 0 success, 1 the thing checked is bad, 2 usage or environment error. With
``--json`` the output is one JSON object; a failure is ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import typer

from .archive_cli import app as archive_app
from .client_cli import ack, fetch, inbox, send
from .demo.cli import demo, simulate
from .dms_cli import app as dms_app
from .edxml_cli import app as edxml_app
from .hub_cli import app as hub_app
from .pdf_cli import app as pdf_app
from .pki_cli import app as pki_app

app = typer.Typer(
    name="lienthong",
    help="lienthong — the national network for official electronic documents.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(edxml_app, name="edxml")
app.command()(send)
app.command()(inbox)
app.command()(fetch)
app.command()(ack)
app.add_typer(hub_app, name="hub")
app.add_typer(pki_app, name="pki")
app.add_typer(pdf_app, name="pdf")
app.add_typer(dms_app, name="dms")
app.add_typer(archive_app, name="archive")
app.command()(demo)
app.command()(simulate)


def main() -> None:
    app()
