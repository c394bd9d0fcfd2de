"""Validating a METS document against the vendored METS 1.12 schema and the CSIP extension
(``schemas/``), offline: ``mets.xsd``'s import of the XLink schema from the network is mapped to
the local ``xlink.xsd``, and the parser may not fetch anything else."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Final

from lxml import etree

from .xmlio import CSIP, METS

XLINK_LOCATION: Final = "http://www.loc.gov/standards/xlink/xlink.xsd"

# mets.xsd declares the csip: attributes' places as lax wildcards: importing the extension
# beside it makes them checked too (an OAISPACKAGETYPE outside the vocabulary is an error).
_BUNDLE: Final = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="{METS}" schemaLocation="mets.xsd"/>
  <xs:import namespace="{CSIP}" schemaLocation="DILCISExtensionMETS.xsd"/>
</xs:schema>"""


class _LocalSchemas(etree.Resolver):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        if system_url == XLINK_LOCATION:
            local = str(self.folder / "xlink.xsd")
            return self.resolve_filename(local, context)  # type: ignore[attr-defined]
        return None  # local files resolve as usual; anything remote fails (no_network)


def schema_folder() -> Path:
    return Path(str(resources.files("lienthong.archive").joinpath("schemas")))


@functools.cache
def mets_schema() -> etree.XMLSchema:
    folder = schema_folder()
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemas(folder))
    bundle = etree.fromstring(_BUNDLE.encode(), parser, base_url=(folder / "bundle.xsd").as_uri())
    return etree.XMLSchema(bundle)


def schema_errors(tree: etree._ElementTree) -> list[tuple[int, str]]:
    """(line, message) of every schema violation; empty when the document is valid."""
    schema = mets_schema()
    if schema.validate(tree):
        return []
    errors: list[Any] = list(schema.error_log)  # type: ignore[call-overload]
    return [(error.line, error.message) for error in errors]
