"""PDF/A for the archive: does a PDF claim and meet PDF/A, what is missing, and conversion.

Two sources of findings, merged into one list of :class:`PdfaProblem` with stable codes:

* **This module's own structural reading** (pikepdf), in plain words: XMP metadata present,
  a PDF/A declaration in it (``pdfaid:part``/``pdfaid:conformance``), an OutputIntent carrying
  an ICC profile, every font embedded, no encryption, no JavaScript or launch action, and
  whether the file is already signed.
* **pikepdf's PDF/A validator** (``pikepdf.pdfa``, an allowlist validator built on the veraPDF
  rule catalogue for PDF/A-1b, 2b and 3b): everything else, each finding with its veraPDF rule
  id. It approves a file only if every construct it meets is known to conform, so a denial may
  be a false alarm but an approval should not be. It is *not* veraPDF itself: a file it passes
  is "PDF/A as far as pikepdf checks", which :attr:`PdfaCheck.checked_by` says.

**Conversion** (:func:`convert_to_pdfa`) makes a PDF/A-2b (by default) of a PDF whose only
gaps are ones that can be filled without touching what the document shows or does: the XMP
packet and its PDF/A declaration, the sRGB OutputIntent (the ICC profile pikepdf ships, so no
system package is needed), and the small repairs pikepdf's ``prepare`` makes (annotation print
flags, image interpolation). A document with a font that is not embedded, JavaScript or a
launch action, encryption, or signatures (a rewrite would break them) is refused with the
list of what is missing: never passed on as PDF/A.

Documents are made PDF/A **before** they are signed (:func:`pdfa_for_signing`): a signature
covers the bytes, so conversion after signing would invalidate it. The incremental updates
that signing, validation data and document timestamps append keep a PDF/A file PDF/A.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, get_args

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
from pikepdf import Dictionary, Name, Pdf
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from ..errors import CodedError

Flavour = Literal["1b", "2b", "3b"]
FLAVOURS: tuple[Flavour, ...] = get_args(Flavour)
# The flavour the dms produces: PDF/A-2 allows transparency (the Decree 30 stamps) and JPEG
# 2000; "b" (visual appearance) is what can be reached from an arbitrary PDF.
DEFAULT_FLAVOUR: Flavour = "2b"
CHECKED_BY = (
    "pikepdf.pdfa (allowlist validator with veraPDF rule ids) and lienthong's structural "
    "checks; not a full veraPDF validation"
)

ProblemCode = Literal[
    "unreadable",
    "encrypted",
    "no-xmp",
    "not-declared",
    "declared-other",
    "no-output-intent",
    "font-not-embedded",
    "javascript",
    "launch-action",
    "signed",
    "signature-layer-not-checked",
    "pdfa-violation",
    "pdfa-unsupported",
]
# What conversion cannot fix without changing what the document shows or does, or at all.
BLOCKING: frozenset[ProblemCode] = frozenset(
    {"unreadable", "encrypted", "font-not-embedded", "javascript", "launch-action", "signed"}
)


class PdfaError(CodedError):
    """A PDF cannot be made PDF/A; ``problems`` says what is missing, in plain words."""

    code = "pdfa-not-convertible"

    def __init__(self, message: str, problems: tuple[PdfaProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}


@dataclass(frozen=True)
class PdfaProblem:
    """One reason a PDF is not PDF/A: a stable ``code``, a sentence, and where it comes from
    (the veraPDF rule id when pikepdf's validator found it, and the object concerned)."""

    code: ProblemCode
    message: str
    rule: str | None = None
    where: str | None = None

    @property
    def blocking(self) -> bool:
        """True if conversion cannot fix it."""
        return self.code in BLOCKING

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "rule": self.rule,
            "where": self.where,
            "blocking": self.blocking,
        }


@dataclass(frozen=True)
class PdfaCheck:
    """Whether a PDF claims PDF/A (its XMP declaration) and meets the flavour checked."""

    flavour: Flavour
    claimed: str | None  # the XMP declaration as found, e.g. "2B"; None if there is none
    problems: tuple[PdfaProblem, ...]
    signed: bool = False
    # A signed file: the check of the document as it was before its first signature.
    before_signing: PdfaCheck | None = None
    checked_by: str = CHECKED_BY

    @property
    def meets(self) -> bool:
        """Nothing was found that breaks the flavour or that the checks cannot confirm."""
        return not self.problems

    @property
    def conforms(self) -> bool:
        """Claims PDF/A of the flavour checked and meets it: what an archive accepts.

        A signed file also conforms when the document as signed conformed and nothing but the
        signature fields and validation data signing added are unconfirmed: pikepdf's validator
        checks neither interactive forms nor the DSS, so it cannot confirm a signed PDF/A file
        on its own (the problems ``signature-layer-not-checked`` stay in the list, saying
        so)."""
        if self.claimed is None or _claimed_flavour(self.claimed) != self.flavour:
            return False
        if self.meets:
            return True
        return (
            self.before_signing is not None
            and self.before_signing.conforms
            and all(p.code == "signature-layer-not-checked" for p in self.problems)
        )

    @property
    def convertible(self) -> bool:
        """Not PDF/A yet, but nothing in the way of conversion was found."""
        blocked = self.signed or any(p.blocking for p in self.problems)
        return not self.conforms and not blocked

    def as_dict(self) -> dict[str, object]:
        return {
            "flavour": self.flavour,
            "claimed": self.claimed,
            "meets": self.meets,
            "conforms": self.conforms,
            "convertible": self.convertible,
            "signed": self.signed,
            "problems": [p.as_dict() for p in self.problems],
            "before_signing": None
            if self.before_signing is None
            else self.before_signing.as_dict(),
            "checked_by": self.checked_by,
        }


@dataclass(frozen=True)
class PdfaResult:
    """A PDF/A document: the bytes, whether they were converted here, what conversion changed,
    and the check of the bytes returned."""

    data: bytes
    converted: bool
    changes: tuple[str, ...]
    check: PdfaCheck

    def as_dict(self) -> dict[str, object]:
        return {
            "converted": self.converted,
            "changes": list(self.changes),
            "size": len(self.data),
            "check": self.check.as_dict(),
        }


def check_pdfa(data: bytes, flavour: Flavour | None = None) -> PdfaCheck:
    """Check ``data`` as it is (no rewrite) against ``flavour``; by default the flavour it
    declares when pikepdf can check it (1b, 2b, 3b: a and u files are checked at level b),
    else PDF/A-2b. Never raises for a bad input: an unreadable file is a problem too."""
    if flavour is not None and flavour not in FLAVOURS:
        raise ValueError(f"flavour {flavour!r} is not one of {', '.join(FLAVOURS)}")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        problem = PdfaProblem("encrypted", "the PDF is encrypted with a password to open it")
        return PdfaCheck(flavour or DEFAULT_FLAVOUR, None, (problem,))
    except pikepdf.PdfError as exc:
        reason = str(exc).split(">: ", 1)[-1]  # qpdf names the stream object first
        problem = PdfaProblem("unreadable", f"not a readable PDF: {reason}")
        return PdfaCheck(flavour or DEFAULT_FLAVOUR, None, (problem,))
    with pdf:
        claimed = _declaration(pdf)
        chosen = flavour or _claimed_flavour(claimed) or DEFAULT_FLAVOUR
        own = _structural_problems(pdf, chosen, claimed)
        signed = _is_signed(pdf)
    report = pikepdf_pdfa.validate_written(io.BytesIO(data), chosen)
    problems = _merge(own, report.findings, signed=signed)
    before = None
    if signed:
        unsigned = _before_first_signature(data)
        before = None if unsigned is None else check_pdfa(unsigned, chosen)
    return PdfaCheck(chosen, claimed, problems, signed=signed, before_signing=before)


def convert_to_pdfa(data: bytes, flavour: Flavour = DEFAULT_FLAVOUR) -> PdfaResult:
    """A PDF/A of ``flavour`` made from ``data``; ``data`` itself if it already conforms.

    Raises :class:`PdfaError` with the problems found when the input cannot be converted
    (see the module doc) or the converted file still does not pass the check.
    """
    before = check_pdfa(data, flavour)
    if before.conforms:
        return PdfaResult(data, converted=False, changes=(), check=before)
    problems = before.problems
    if before.signed and _SIGNED not in problems:
        problems = (*problems, _SIGNED)
    blocking = tuple(p for p in problems if p.blocking)
    if blocking:
        raise PdfaError(
            f"the PDF cannot be made PDF/A-{flavour}: "
            + "; ".join(p.message for p in _unique_messages(blocking)),
            problems,
        )
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        try:
            report = pikepdf_pdfa.save(pdf, out, flavour)
        except pikepdf_pdfa.PdfaError as exc:
            problems = _merge((), exc.report.findings)
            raise PdfaError(
                f"the PDF cannot be made PDF/A-{flavour}: "
                + "; ".join(p.message for p in _unique_messages(problems)),
                problems,
            ) from None
    converted = out.getvalue()
    after = check_pdfa(converted, flavour)
    if not after.conforms:  # pikepdf approved what it wrote; this module's checks must agree
        raise PdfaError(
            f"the converted PDF does not pass the PDF/A-{flavour} check: "
            + "; ".join(p.message for p in after.problems),
            after.problems,
        )
    return PdfaResult(converted, True, _changes(report.prepared), after)


def pdfa_for_signing(data: bytes, flavour: Flavour = DEFAULT_FLAVOUR) -> PdfaResult:
    """What the dms calls on a document before it is signed: the document as PDF/A.

    A document that already conforms to the PDF/A it declares (1b, 2b or 3b) is returned
    unchanged — so is one already signed as PDF/A, for the agency's signature after the
    person's; any other is converted to ``flavour``. Raises :class:`PdfaError` if it cannot
    be made PDF/A: the document is then not signed as an archivable original."""
    check = check_pdfa(data)
    if check.conforms:
        return PdfaResult(data, converted=False, changes=(), check=check)
    return convert_to_pdfa(data, flavour)


# --- structural reading ----------------------------------------------------------------------


def _declaration(pdf: Pdf) -> str | None:
    if not isinstance(pdf.Root.get(Name.Metadata), pikepdf.Stream):
        return None
    try:
        status = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False).pdfa_status
    except Exception:  # an unreadable XMP packet: no declaration can be read from it
        return None
    return status or None


def _claimed_flavour(claimed: str | None) -> Flavour | None:
    """``"2B"``, ``"2U"``, ``"2A"`` → ``"2b"``: the levels pikepdf checks (a and u include b)."""
    if not claimed:
        return None
    candidate = f"{claimed[0]}b"
    return next((f for f in FLAVOURS if f == candidate), None)


def _structural_problems(pdf: Pdf, flavour: Flavour, claimed: str | None) -> list[PdfaProblem]:
    problems: list[PdfaProblem] = []
    if pdf.is_encrypted:
        problems.append(PdfaProblem("encrypted", "the PDF is encrypted (PDF/A forbids it)"))
    if not isinstance(pdf.Root.get(Name.Metadata), pikepdf.Stream):
        problems.append(PdfaProblem("no-xmp", "there is no XMP metadata stream"))
    if claimed is None:
        problems.append(
            PdfaProblem("not-declared", "the metadata does not declare PDF/A (pdfaid:part)")
        )
    elif _claimed_flavour(claimed) != flavour:
        problems.append(
            PdfaProblem(
                "declared-other",
                f"the metadata declares PDF/A-{claimed}, not PDF/A-{flavour.upper()}",
            )
        )
    if not _has_output_intent(pdf):
        problems.append(
            PdfaProblem(
                "no-output-intent",
                "there is no PDF/A OutputIntent with an ICC colour profile",
            )
        )
    for where, font in _unembedded_fonts(pdf):
        problems.append(
            PdfaProblem("font-not-embedded", f"the font {font} is not embedded", where=where)
        )
    for where, kind in _actions(pdf):
        if kind == "javascript":
            problems.append(PdfaProblem("javascript", "the PDF carries JavaScript", where=where))
        else:
            problems.append(
                PdfaProblem("launch-action", "the PDF launches an application", where=where)
            )
    if problems and _is_signed(pdf):
        problems.append(_SIGNED)
    return problems


_SIGNED = PdfaProblem(
    "signed",
    "the PDF is signed: converting it would break its signatures (it had to be PDF/A before "
    "signing)",
)


def _has_output_intent(pdf: Pdf) -> bool:
    intents = pdf.Root.get(Name.OutputIntents)
    if not isinstance(intents, pikepdf.Array):
        return False
    return any(
        isinstance(intent, Dictionary)
        and intent.get(Name.S) == Name.GTS_PDFA1
        and isinstance(intent.get(Name.DestOutputProfile), pikepdf.Stream)
        for intent in intents
    )


def _unembedded_fonts(pdf: Pdf) -> Iterator[tuple[str, str]]:
    for where, obj in _dictionaries(pdf):
        if obj.get(Name.Type) != Name.Font or obj.get(Name.Subtype) == Name.Type3:
            continue
        if obj.get(Name.Subtype) == Name.Type0:
            continue  # its descendant CIDFont (also a /Font) is the one that embeds the program
        descriptor = obj.get(Name.FontDescriptor)
        embedded = isinstance(descriptor, Dictionary) and any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        )
        if not embedded:
            yield where, str(obj.get(Name.BaseFont, "(unnamed)")).lstrip("/")


def _actions(pdf: Pdf) -> Iterator[tuple[str, Literal["javascript", "launch"]]]:
    names = pdf.Root.get(Name.Names)
    if isinstance(names, Dictionary) and Name.JavaScript in names:
        yield "catalog /Names /JavaScript", "javascript"
    for where, obj in _dictionaries(pdf):
        kind = obj.get(Name.S)
        if kind == Name.JavaScript:
            yield where, "javascript"
        elif kind == Name.Launch:
            yield where, "launch"


def _dictionaries(pdf: Pdf) -> Iterator[tuple[str, Dictionary]]:
    """Every dictionary in the file (stream dictionaries included), each once, with where."""
    seen: set[tuple[int, int]] = set()
    # pikepdf hands scalar objects (an indirect /Length, say) over as Python values: skip them.
    stack: list[tuple[str, pikepdf.Object]] = [
        (f"obj {obj.objgen[0]} {obj.objgen[1]}", obj)
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Object)
    ]
    while stack:
        where, obj = stack.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, Dictionary | pikepdf.Stream):
            if isinstance(obj, Dictionary):
                yield where, obj
            for key, value in obj.items():
                if _direct_container(value):
                    stack.append((f"{where} {key}", value))
        elif isinstance(obj, pikepdf.Array):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(obj) if _direct_container(v))


def _direct_container(value: object) -> bool:
    """A dictionary or array held inside its parent (indirect ones are walked on their own;
    pikepdf hands scalars over as Python values)."""
    return isinstance(value, Dictionary | pikepdf.Array) and not value.is_indirect


def _before_first_signature(data: bytes) -> bytes | None:
    """The file as it was before its first signature (the revisions that signing, validation
    data and document timestamps appended cut off); None if that cannot be told."""
    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_regular_signatures
        if not signatures:
            return None
        revision = min(s.signed_revision for s in signatures) - 1
        if revision < 0:
            return None
        end = reader.xrefs.get_xref_container_info(revision).end_location
    except (PyHankoPdfError, ValueError, KeyError, TypeError, IndexError):
        return None
    eof = data.find(b"%%EOF", end)
    return None if eof < 0 else data[: eof + len(b"%%EOF")] + b"\n"


def _is_signed(pdf: Pdf) -> bool:
    form = pdf.Root.get(Name.AcroForm)
    if not isinstance(form, Dictionary):
        return False
    return any(
        isinstance(field, Dictionary)
        and field.get(Name.FT) == Name.Sig
        and isinstance(field.get(Name.V), Dictionary)
        for field in form.get(Name.Fields, pikepdf.Array())
    )


# --- pikepdf's findings ----------------------------------------------------------------------

# veraPDF clauses (ISO 19005-2/-3 numbering, then -1) this module reports in its own words.
_CLAUSES: dict[str, ProblemCode] = {
    "6.6.2.1": "no-xmp",
    "6.7.2": "no-xmp",
    "6.6.4": "not-declared",
    "6.7.11": "not-declared",
    "6.2.11.4": "font-not-embedded",
    "6.3.4": "font-not-embedded",
    "6.2.3": "no-output-intent",
    "6.2.2": "no-output-intent",
}
# 6.1.3 (the trailer) is not mapped: it covers both /Encrypt, which _structural_problems says
# in plain words, and a missing /ID, which conversion adds — not a reason to refuse the file.


def _code_of(finding: pikepdf_pdfa.Finding) -> ProblemCode:
    if finding.rule == "pikepdf:output-intent":
        return "no-output-intent"
    clause = finding.rule.split(":", 1)[-1].split("-", 1)[0]
    for prefix, code in _CLAUSES.items():
        if clause == prefix or clause.startswith(prefix + "."):
            return code
    return "pdfa-violation" if finding.kind == "violation" else "pdfa-unsupported"


def _merge(
    own: list[PdfaProblem] | tuple[PdfaProblem, ...],
    findings: list[pikepdf_pdfa.Finding],
    *,
    signed: bool = False,
) -> tuple[PdfaProblem, ...]:
    """Own problems first; then each validator finding not already said in plain words."""
    problems = list(own)
    said = {p.code for p in own}
    for finding in findings:
        code = _code_of(finding)
        if signed and _signature_layer(finding):
            problems.append(
                PdfaProblem(
                    "signature-layer-not-checked",
                    "what signing added is not checked: pikepdf's validator does not support "
                    f"interactive forms (the signature fields) or the DSS ({finding.message})",
                    finding.rule,
                    finding.where,
                )
            )
            continue
        if code in said and code not in ("pdfa-violation", "pdfa-unsupported"):
            continue
        message = finding.message
        if finding.kind == "unsupported":
            message = f"{message} (pikepdf's validator cannot confirm this construct)"
        problems.append(PdfaProblem(code, message, finding.rule, finding.where))
    return tuple(problems)


def _signature_layer(finding: pikepdf_pdfa.Finding) -> bool:
    """The constructs signing adds that pikepdf's validator does not check: the form holding
    the signature fields, and the document security store (validation data)."""
    return finding.kind == "unsupported" and (
        finding.where.endswith("/AcroForm")
        or finding.message == "unrecognized key(s) /DSS are not checked"
    )


def _unique_messages(problems: tuple[PdfaProblem, ...]) -> tuple[PdfaProblem, ...]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        if (problem.code, problem.message) not in seen:
            seen.add((problem.code, problem.message))
            unique.append(problem)
    return tuple(unique)


def _changes(prepared: pikepdf_pdfa.PrepareResult | None) -> tuple[str, ...]:
    """What conversion changed, in plain words (the content of pages is never changed)."""
    if prepared is None:
        return ()
    changes = []
    if prepared.pdfa_declared:
        changes.append("XMP metadata with the PDF/A declaration written")
    if prepared.output_intent_replaced:
        profile = "sRGB" if prepared.output_intent == "RGB" else prepared.output_intent
        changes.append(f"an OutputIntent with the {profile} ICC profile added")
    if prepared.interpolation_removed:
        changes.append(f"image interpolation removed from {prepared.interpolation_removed} images")
    if prepared.annotations_removed:
        changes.append(f"{sum(prepared.annotations_removed.values())} hidden annotations removed")
    if prepared.print_flags_set:
        changes.append(f"{prepared.print_flags_set} annotations marked printable")
    if prepared.base_encodings_added:
        changes.append(f"a base encoding given to {prepared.base_encodings_added} TrueType fonts")
    if prepared.cidsets_added:
        changes.append(f"CIDSet added to {prepared.cidsets_added} fonts")
    if prepared.xmp_dropped:
        changes.append(
            "XMP properties PDF/A does not allow dropped: " + ", ".join(prepared.xmp_dropped)
        )
    if prepared.xmp_unreadable:
        changes.append(f"an unreadable XMP packet replaced ({prepared.xmp_problem})")
    if prepared.dates_zoned:
        changes.append(f"{prepared.dates_zoned} document dates given a time zone")
    return tuple(changes)


__all__ = [
    "BLOCKING",
    "CHECKED_BY",
    "DEFAULT_FLAVOUR",
    "FLAVOURS",
    "Flavour",
    "PdfaCheck",
    "PdfaError",
    "PdfaProblem",
    "PdfaResult",
    "ProblemCode",
    "check_pdfa",
    "convert_to_pdfa",
    "pdfa_for_signing",
]
