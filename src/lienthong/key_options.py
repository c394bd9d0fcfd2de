"""The command-line options that say where a signing key is, declared once for every command that
signs (``pdf sign``, ``send``; ``edxml sign`` takes ``--key``, ``--cert`` and ``--chain``), and
the one function that turns them into where the key is (:meth:`KeyOptions.source`, for
:func:`lienthong.signatures.keys.open_signer`).

A command that takes them all is decorated with :func:`with_key_options` and receives them as one
:class:`KeyOptions` value in its ``keys`` parameter, so that the options are listed here only.
Passwords and the PIN may come from the environment rather than the command line (where the
process list shows them).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from .signatures.keys import KeySource

P12Opt = Annotated[
    Path | None, typer.Option("--p12", help="Signing key: a PKCS#12 file (.p12/.pfx).")
]
P12PasswordOpt = Annotated[
    str | None,
    typer.Option(
        "--p12-password", envvar="LIENTHONG_P12_PASSWORD", help="Password of the PKCS#12 file."
    ),
]
# --key and --cert are typed Path, not Path | None: ``edxml sign`` requires them.
KeyOpt = Annotated[Path, typer.Option("--key", help="Signing key: a private key file.")]
KeyPasswordOpt = Annotated[
    str | None,
    typer.Option(
        "--key-password", envvar="LIENTHONG_KEY_PASSWORD", help="Password of the key file."
    ),
]
CertOpt = Annotated[Path, typer.Option("--cert", help="Signer certificate (with --key).")]
ChainOpt = Annotated[
    Path | None, typer.Option("--chain", help="CA certificates (PEM), issuer first.")
]
Pkcs11ModuleOpt = Annotated[
    Path | None,
    typer.Option("--pkcs11-module", help="Signing key on a USB token: its PKCS#11 module."),
]
Pkcs11TokenOpt = Annotated[str | None, typer.Option("--pkcs11-token", help="Token label.")]
Pkcs11PinOpt = Annotated[
    str | None, typer.Option("--pkcs11-pin", envvar="LIENTHONG_PKCS11_PIN", help="Token PIN.")
]
Pkcs11KeyLabelOpt = Annotated[
    str | None, typer.Option("--pkcs11-key-label", help="Key label on the token.")
]
Pkcs11CertLabelOpt = Annotated[
    str | None, typer.Option("--pkcs11-cert-label", help="Certificate label on the token.")
]


@dataclass(frozen=True)
class KeyOptions:
    """The key options as given, by the names :meth:`KeySource.from_options` takes (None when
    left out); ``from_environment`` names those read from an environment variable."""

    values: Mapping[str, Any] = field(repr=False)  # passwords among them
    from_environment: frozenset[str] = frozenset()

    @property
    def given_on_command_line(self) -> bool:
        """Whether any key option was given on the command line (a password exported for
        other commands does not count)."""
        return any(
            value is not None and name not in self.from_environment
            for name, value in self.values.items()
        )

    def source(self) -> KeySource:
        """Where the key is, checked: :class:`~lienthong.signatures.errors.KeyError_` (exit 2)
        unless the options name exactly one key."""
        from .signatures.keys import KeySource  # pyHanko loads only when a command signs

        return KeySource.from_options(**self.values)


# Each key option: its parameter name (KeySource.from_options's) and type, in --help's order.
_OPTIONS: dict[str, Any] = {
    "p12": P12Opt,
    "p12_password": P12PasswordOpt,
    "key": KeyOpt,
    "key_password": KeyPasswordOpt,
    "cert": CertOpt,
    "chain": ChainOpt,
    "pkcs11_module": Pkcs11ModuleOpt,
    "pkcs11_token": Pkcs11TokenOpt,
    "pkcs11_pin": Pkcs11PinOpt,
    "pkcs11_key_label": Pkcs11KeyLabelOpt,
    "pkcs11_cert_label": Pkcs11CertLabelOpt,
}


def with_key_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a typer ``command`` every key option, in place of its ``keys: KeyOptions``
    parameter, and call it with them gathered into that one value."""
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "keys":
            parameters += [
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=t)
                for name, t in _OPTIONS.items()
            ]
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
    if len(parameters) != len(signature.parameters) + len(_OPTIONS) - 1:
        raise TypeError(f"{command.__name__} takes no 'keys: KeyOptions' parameter")
    # typer hands the click context to the parameter typed typer.Context: it tells where each
    # value came from.
    parameters.append(
        inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
    )

    @functools.wraps(command)
    def with_keys(**given: Any) -> None:
        context: typer.Context = given.pop(_CONTEXT)
        values = {name: given.pop(name) for name in _OPTIONS}
        from_environment = frozenset(
            name for name in _OPTIONS if _source(context, name) == "ENVIRONMENT"
        )
        command(**given, keys=KeyOptions(values, from_environment))

    # typer reads the parameters from this signature, its annotations evaluated already; the
    # command's own (strings, as `from __future__ import annotations` leaves them) are not read.
    with_keys.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_keys.__annotations__ = {}
    return with_keys


_CONTEXT = "_key_options_context"


def _source(context: typer.Context, name: str) -> str | None:
    """Where the value of parameter ``name`` came from: ``COMMANDLINE``, ``ENVIRONMENT``,
    ``DEFAULT`` … (by name: typer does not export click's enum)."""
    source = context.get_parameter_source(name)
    return None if source is None else source.name
