"""How every ``lienthong`` sub-command reports results and failures (one mapping, one place)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

import typer
from rich.console import Console

from .edxml.errors import EdxmlError, KeyLoadError
from .signatures.errors import (
    KeyError_,
    PkiError,
    SignaturesError,
    TimestampUnavailableError,
    TrustError,
)

if TYPE_CHECKING:
    from .client.errors import HubClientError
    from .hub.errors import HubError

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2

console = Console()
err_console = Console(stderr=True)

# Errors about the caller's environment (key files, trust anchors, the PKI folder) rather than
# the document checked: exit 2, like a usage error.
_ENVIRONMENT_ERRORS: tuple[type[Exception], ...] = (
    KeyLoadError,
    KeyError_,
    TrustError,
    PkiError,
    TimestampUnavailableError,  # the time-stamp authority is down: not the document's fault
)


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def fail(code: str, message: str, exit_code: int, as_json: bool) -> NoReturn:
    if as_json:
        emit_json({"error": {"code": code, "message": message}})
    else:
        err_console.print(f"[bold red]error[/] ({code}): {message}", highlight=False)
    raise typer.Exit(exit_code)


@contextmanager
def reported(as_json: bool) -> Iterator[None]:
    """Turn the library's typed errors and I/O errors into messages and exit codes."""
    try:
        yield
    except (EdxmlError, SignaturesError) as exc:
        exit_code = EXIT_USAGE if isinstance(exc, _ENVIRONMENT_ERRORS) else EXIT_BAD_INPUT
        if as_json:
            emit_json({"error": exc.as_dict()})
            raise typer.Exit(exit_code) from None
        fail(exc.code, exc.message, exit_code, as_json)
    except FileNotFoundError as exc:
        fail("file-not-found", f"{exc.filename}: no such file", EXIT_USAGE, as_json)
    except IsADirectoryError as exc:
        fail("file-not-found", f"{exc.filename}: is a directory", EXIT_USAGE, as_json)
    except PermissionError as exc:
        fail("permission-denied", f"{exc.filename}: permission denied", EXIT_USAGE, as_json)
    except _hub_client_error() as exc:
        # Refused credentials, a request the hub cannot parse, a hub still down after the
        # retries: the caller's set-up or moment (2). The hub refusing the message itself: 1.
        usage = exc.retryable or exc.code in ("unauthorized", "request-invalid")
        exit_code = EXIT_USAGE if usage else EXIT_BAD_INPUT
        if as_json:
            emit_json({"error": exc.as_dict()})
            raise typer.Exit(exit_code) from None
        fail(exc.code, exc.message, exit_code, as_json)
    except _hub_error() as exc:
        # 5xx is the hub's environment (database down, not migrated): the operator's to fix.
        exit_code = EXIT_USAGE if exc.status >= 500 else EXIT_BAD_INPUT
        if as_json:
            emit_json({"error": {"code": exc.code, "message": exc.message, **exc.extra}})
            raise typer.Exit(exit_code) from None
        fail(exc.code, exc.message, exit_code, as_json)


def _hub_client_error() -> type[HubClientError]:
    # Likewise: only `send`, `inbox`, `fetch` and `ack` load the hub client (and httpx).
    from .client.errors import HubClientError

    return HubClientError


def _hub_error() -> type[HubError]:
    # Imported only when an error gets this far, so that `lienthong edxml` never loads the hub.
    from .hub.errors import HubError

    return HubError


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file that appears at ``path`` whole, or not at all: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_output(path) as out:
        out.write(data)
