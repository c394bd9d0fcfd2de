"""The dossier and document fields of STANDARDS.md §5 (Circular 05/2025/TT-BNV): which exist,
which a package cannot do without, what their values may be, read from a JSON-like mapping.

Field names are the Circular's (``fileCode``, ``issuedDate`` …), kept as given so that a
package's metadata reads the same in every system that exchanges it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from .errors import MetadataError

DOSSIER_REQUIRED: Final = (
    "fileCode",
    "title",
    "maintenance",
    "mode",
    "language",
    "startDate",
    "endDate",
)
DOSSIER_OPTIONAL: Final = (
    "keyword",
    "totalDoc",
    "numberOfPaper",
    "numberOfPage",
    "format",
    "inforSign",
    "confidenceLevel",
    "description",
)
DOCUMENT_REQUIRED: Final = (
    "docCode",
    "typeName",
    "codeNumber",
    "codeNotation",
    "issuedDate",
    "organName",
    "subject",
)
DOCUMENT_OPTIONAL: Final = (
    "language",
    "numberOfPage",
    "keyword",
    "mode",
    "confidenceLevel",
    "autograph",
    "format",
    "processingHistory",
)

# Closed value lists of §5. Fields not named here take any non-empty text.
CODES: Final[Mapping[str, frozenset[str]]] = {
    "maintenance": frozenset(f"0{n}" for n in range(1, 8)),  # 01 = permanent
    "mode": frozenset({"01", "02", "03"}),  # public, limited, secret
    "confidenceLevel": frozenset({"01", "02", "03"}),  # born digital, digitised, mixed
}
DATES: Final = frozenset({"startDate", "endDate", "issuedDate"})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Document:
    file: str  # the path of the document in the folder given, "/"-separated
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Dossier:
    fields: Mapping[str, str]
    documents: tuple[Document, ...]

    @property
    def file_code(self) -> str:
        return self.fields["fileCode"]


def read_dossier(data: object, present_files: frozenset[str] | None = None) -> Dossier:
    """The dossier described by ``data`` (the ``--metadata`` JSON), or MetadataError listing
    every missing field and every invalid value. With ``present_files``, each document's file
    must be one of them, and each of them must be described."""
    missing: list[str] = []
    invalid: list[str] = []
    if not isinstance(data, Mapping):
        raise MetadataError([], ['the metadata must be an object {"dossier": …, "documents": …}'])
    raw_dossier = data.get("dossier")
    if not isinstance(raw_dossier, Mapping):
        missing.append("dossier")
        raw_dossier = {}
    dossier = _fields("dossier", raw_dossier, DOSSIER_REQUIRED, missing, invalid)
    if (
        "startDate" in dossier
        and "endDate" in dossier
        and dossier["endDate"] < dossier["startDate"]
    ):
        invalid.append("dossier.endDate: before dossier.startDate")
    raw_documents = data.get("documents")
    documents: list[Document] = []
    if not isinstance(raw_documents, list) or not raw_documents:
        missing.append("documents")
        raw_documents = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_documents):
        where = f"documents[{i}]"
        if not isinstance(raw, Mapping):
            invalid.append(f"{where}: not an object")
            continue
        file = raw.get("file")
        if not isinstance(file, str) or not file.strip():
            missing.append(f"{where}.file")
            file = ""
        else:
            where = f"documents[{i}] ({file})"
            problem = _file_problem(file)
            if problem:
                invalid.append(f"{where}.file: {problem}")
            elif file in seen:
                invalid.append(f"{where}.file: listed twice")
            elif present_files is not None and file not in present_files:
                invalid.append(f"{where}.file: no such file in the folder")
            seen.add(file)
        fields = _fields(where, raw, DOCUMENT_REQUIRED, missing, invalid, skip=("file",))
        documents.append(Document(file=file, fields=fields))
    if present_files is not None:
        for name in sorted(present_files - seen):
            missing.append(f"documents: a description of {name}")
    if missing or invalid:
        raise MetadataError(missing, invalid)
    return Dossier(fields=dossier, documents=tuple(documents))


def _fields(
    where: str,
    raw: Mapping[object, object],
    required: tuple[str, ...],
    missing: list[str],
    invalid: list[str],
    skip: tuple[str, ...] = (),
) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key in skip:
            continue
        text = _text(value)
        if text is None:
            invalid.append(f"{where}.{key}: not a text, a number or a list of texts")
            continue
        if not text:
            continue  # an empty value counts as absent
        problem = _value_problem(key, text)
        if problem:
            invalid.append(f"{where}.{key}: {problem}")
        fields[key] = text
    missing.extend(f"{where}.{name}" for name in required if name not in fields)
    return fields


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(str(v).strip() for v in value if str(v).strip())
    return None


def _value_problem(key: str, text: str) -> str | None:
    codes = CODES.get(key)
    if codes is not None and text not in codes:
        return f"{text!r} is not one of {', '.join(sorted(codes))}"
    if key in DATES:
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError
            dt.date.fromisoformat(text)
        except ValueError:
            return f"{text!r} is not a date YYYY-MM-DD"
    return None


def _file_problem(name: str) -> str | None:
    path = PurePosixPath(name)
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        return "must be a relative path inside the folder, with / separators"
    if path.name.startswith("."):
        return "hidden files are not documents"
    return None
