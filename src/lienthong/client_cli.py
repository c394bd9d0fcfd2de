"""``lienthong send | inbox | fetch | ack``: a connected system's side of the hub, for integrators
and scripts (contract names: DESIGN.md §7). Thin callers of :class:`lienthong.client.HubClient`.

The hub's address and the system's credentials come from ``--hub``, ``--client-id`` and
``--client-secret`` or from ``LIENTHONG_HUB_URL``, ``LIENTHONG_CLIENT_ID`` and
``LIENTHONG_CLIENT_SECRET`` (better: options show in the process list). The secret is never
printed. Exit codes as everywhere: 0 done, 1 the hub refused the message or delivery (the
problem's code is shown), 2 usage, credentials refused, or hub unreachable after retries.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from .cli_output import EXIT_USAGE, console, emit_json, fail, reported
from .key_options import KeyOptions, with_key_options

if TYPE_CHECKING:
    from .client import HubClient

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object on standard output.")]
HubOpt = Annotated[
    str,
    typer.Option(
        "--hub",
        envvar="LIENTHONG_HUB_URL",
        help="The hub's address, e.g. https://hub.example.vn.",
        show_default=False,
    ),
]
ClientIdOpt = Annotated[
    str,
    typer.Option(
        "--client-id",
        envvar="LIENTHONG_CLIENT_ID",
        help="This connected system's OAuth2 client id.",
        show_default=False,
    ),
]
ClientSecretOpt = Annotated[
    str,
    typer.Option(
        "--client-secret",
        envvar="LIENTHONG_CLIENT_SECRET",
        help="Its client secret (prefer the environment variable).",
        show_default=False,
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries", min=0, max=10, help="Retries when the hub is unreachable or failing."
    ),
]


def _connect(hub: str, client_id: str, client_secret: str, retries: int) -> HubClient:
    # Imported here so that the other sub-commands do not pay for httpx.
    from .client import HubClient

    return HubClient(hub, client_id, client_secret, retries=retries)


# --- send ------------------------------------------------------------------------------------


@with_key_options
def send(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files to attach.", show_default=False)
    ] = None,
    to: Annotated[
        list[str] | None, typer.Option("--to", help="Recipient agency code (repeatable).")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="Trích yếu.")] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            envvar="LIENTHONG_AGENCY",
            help="The sending agency's code (one this system holds).",
        ),
    ] = None,
    code_number: Annotated[str, typer.Option(help="Số (QCVN 102 requires it).")] = "",
    code_notation: Annotated[str, typer.Option(help="Ký hiệu, e.g. QĐ-UBND.")] = "",
    type_name: Annotated[str, typer.Option(help="Document type name, e.g. Công văn.")] = "",
    edxml: Annotated[
        Path | None,
        typer.Option("--edxml", help="Submit this edXML file as it is (built and signed)."),
    ] = None,
    unsigned: Annotated[
        bool,
        typer.Option(
            "--unsigned", help="Send without a signature (only hubs that allow it accept it)."
        ),
    ] = False,
    *,
    keys: KeyOptions,
    hub: HubOpt = "",
    client_id: ClientIdOpt = "",
    client_secret: ClientSecretOpt = "",
    retries: RetriesOpt = 3,
    as_json: JsonOpt = False,
) -> None:
    """Send files as a signed document to agencies through the hub (or an edXML file as is)."""
    _require_connection(hub, client_id, client_secret, as_json)
    with reported(as_json):
        if edxml is not None:
            composing = bool(files or to or subject or code_number or code_notation or type_name)
            if composing or unsigned or keys.given_on_command_line:
                fail(
                    "usage",
                    "--edxml sends a finished file as it is: give no FILE, --to, --subject, "
                    "document or key options with it",
                    EXIT_USAGE,
                    as_json,
                )
            data = edxml.read_bytes()
        else:
            _require_given(
                (
                    ("FILE...", files),
                    ("--to", to),
                    ("--subject", subject),
                    ("--from (or LIENTHONG_AGENCY)", from_),
                ),
                as_json,
            )
            if unsigned and keys.given_on_command_line:
                fail(
                    "usage", "--unsigned and a signing key exclude each other", EXIT_USAGE, as_json
                )
            assert files and to and subject and from_
            data = _compose(files, to, subject, from_, code_number, code_notation, type_name)
            if not unsigned:
                data = _sign(data, keys)
        with _connect(hub, client_id, client_secret, retries) as client:
            accepted = client.submit(data)
    shown = accepted.as_dict()
    if as_json:
        emit_json(shown)
    elif accepted.created:
        console.print(f"accepted {accepted.id} → {', '.join(accepted.recipients)}")
    else:
        console.print(f"already accepted {accepted.id} → {', '.join(accepted.recipients)}")


def _compose(
    files: list[Path],
    to: list[str],
    subject: str,
    from_: str,
    code_number: str,
    code_notation: str,
    type_name: str,
) -> bytes:
    from .edxml import build
    from .edxml.model import Code
    from .edxml_cli import new_document  # `send` composes as `edxml build` does

    code = Code(code_number, code_notation)
    return build(new_document(from_, to, subject, code, type_name, files))


def _sign(data: bytes, keys: KeyOptions) -> bytes:
    # One path for every key form (files, PKCS#12, USB token): the signatures library's.
    from .edxml.dsig import sign
    from .signatures.keys import RawTokenSigner, open_signer

    with open_signer(keys.source()) as signer:
        return sign(data, RawTokenSigner(signer))


# --- inbox, fetch, ack -----------------------------------------------------------------------


def inbox(
    kind: Annotated[
        str | None, typer.Option(help="Only documents (edoc) or only statuses (status).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
    hub: HubOpt = "",
    client_id: ClientIdOpt = "",
    client_secret: ClientSecretOpt = "",
    retries: RetriesOpt = 3,
    as_json: JsonOpt = False,
) -> None:
    """Take waiting deliveries: each is leased to you until you ack it (or the lease runs out)."""
    _require_connection(hub, client_id, client_secret, as_json)
    wanted = _kind(kind, as_json)
    with reported(as_json), _connect(hub, client_id, client_secret, retries) as client:
        items = client.inbox(kind=wanted, limit=limit)
    if as_json:
        emit_json({"items": [item.as_dict() for item in items]})
        return
    if not items:
        console.print("nothing waiting")
    for item in items:
        console.print(
            f"[bold]{item.delivery_id}[/] {item.kind} {item.from_} → {item.to}: "
            f"{item.subject or item.document_id} [dim](message {item.message_id}, "
            f"{item.size} B)[/]",
            highlight=False,
        )


def _kind(kind: str | None, as_json: bool) -> Literal["edoc", "status"] | None:
    if kind is None:
        return None
    if kind == "edoc":
        return "edoc"
    if kind == "status":
        return "status"
    fail("usage", f"--kind {kind!r}: give edoc or status", EXIT_USAGE, as_json)


def fetch(
    message_id: Annotated[str, typer.Argument(help="The message id (from inbox).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the edXML.")],
    hub: HubOpt = "",
    client_id: ClientIdOpt = "",
    client_secret: ClientSecretOpt = "",
    retries: RetriesOpt = 3,
    as_json: JsonOpt = False,
) -> None:
    """Download a message's edXML exactly as it was sent (checked against the hub's SHA-256)."""
    _require_connection(hub, client_id, client_secret, as_json)
    with reported(as_json), _connect(hub, client_id, client_secret, retries) as client:
        fetched = client.fetch_to(message_id, output)
    if as_json:
        emit_json(
            {
                "message_id": fetched.message_id,
                "output": str(fetched.path),
                "size": fetched.size,
                "sha256": fetched.sha256,
            }
        )
    else:
        console.print(f"wrote {fetched.path} ({fetched.size} B, sha256 {fetched.sha256})")


def ack(
    delivery_id: Annotated[str, typer.Argument(help="The delivery id (from inbox).")],
    failed: Annotated[
        bool, typer.Option("--fail", help="Refuse the delivery instead of taking it.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why (shown to the sender).")] = "",
    hub: HubOpt = "",
    client_id: ClientIdOpt = "",
    client_secret: ClientSecretOpt = "",
    retries: RetriesOpt = 3,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge a delivery: taken (done), or with --fail refused."""
    _require_connection(hub, client_id, client_secret, as_json)
    with reported(as_json), _connect(hub, client_id, client_secret, retries) as client:
        acknowledged = client.ack(delivery_id, done=not failed, reason=reason)
    if as_json:
        emit_json({"delivery_id": acknowledged.delivery_id, "state": acknowledged.state})
    else:
        console.print(f"delivery {acknowledged.delivery_id}: {acknowledged.state}")


def _require_connection(hub: str, client_id: str, client_secret: str, as_json: bool) -> None:
    _require_given(
        (
            ("--hub (or LIENTHONG_HUB_URL)", hub),
            ("--client-id (or LIENTHONG_CLIENT_ID)", client_id),
            ("--client-secret (or LIENTHONG_CLIENT_SECRET)", client_secret),
        ),
        as_json,
    )


def _require_given(options: tuple[tuple[str, object], ...], as_json: bool) -> None:
    """A usage error naming every option that was left out."""
    missing = [name for name, given in options if not given]
    if missing:
        fail("usage", f"missing {', '.join(missing)}", EXIT_USAGE, as_json)
