"""What a received document's signatures are worth, stored as JSON and told in plain words.

The edXML signature (the sending agency's, XML-DSig) is checked over the bytes received; each
PDF inside is checked for its PAdES signatures (the competent person's and the agency's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from lienthong.edxml import ParseResult, parse
from lienthong.edxml.dsig import verify
from lienthong.edxml.errors import EdxmlError, SignatureError, SignatureMissingError
from lienthong.signatures.errors import SignaturesError
from lienthong.signatures.report import validate_pdf
from lienthong.signatures.trust import ValidationPolicy


@dataclass(frozen=True)
class Checked:
    parsed: ParseResult
    edxml: dict[str, Any]


def check_edxml(data: bytes, policy: ValidationPolicy | None) -> Checked:
    """Read a message and check its signature; a bad signature is reported, not raised (the
    clerk decides). Raises :class:`EdxmlError` only when the bytes cannot be read at all."""
    if policy is None:
        parsed = parse(data)
        return Checked(
            parsed,
            {
                "ok": False,
                "code": "no-trust-anchor",
                "message": "no trust anchor is configured (LIENTHONG_DMS_TRUST_ANCHORS)",
                "signed": parsed.signed,
            },
        )
    try:
        verified = verify(data, policy)
    except SignatureMissingError as exc:
        return Checked(parse(data), {"ok": False, "code": exc.code, "message": exc.message})
    except SignatureError as exc:
        return Checked(parse(data), {"ok": False, "code": exc.code, "message": exc.message})
    signature = verified.signature
    return Checked(
        verified.parsed,
        {
            "ok": True,
            "code": None,
            "signer": signature.signer_subject,
            "algorithm": signature.signature_algorithm,
            "weak": signature.weak,
            "revocation": signature.revocation,
            "warnings": list(signature.warnings),
        },
    )


def check_pdf(data: bytes, policy: ValidationPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"valid": False, "problems": ["no trust anchor is configured"], "signatures": []}
    try:
        report = validate_pdf(data, policy)
    except SignaturesError as exc:
        return {"valid": False, "problems": [exc.message], "signatures": []}
    return {
        "valid": report.valid,
        "problems": list(report.problems),
        "signatures": [
            {
                "signer": s.signer,
                "role": s.role,
                "valid": s.valid,
                "trusted": s.trusted,
                "intact": s.intact,
                "signing_time": s.signing_time.isoformat() if s.signing_time else None,
                "problems": list(s.problems),
            }
            for s in report.signatures
        ],
    }


def _who(subject: str) -> str:
    for part in subject.split(","):
        if part.strip().upper().startswith("CN="):
            return part.strip()[3:]
    return subject


def edxml_sentence(edxml: dict[str, Any]) -> tuple[bool, str]:
    """The edXML verdict in one sentence a clerk understands."""
    if edxml.get("ok"):
        text = _("Chữ ký số của cơ quan gửi hợp lệ (%(who)s); gói tin không bị thay đổi.") % {
            "who": _who(str(edxml.get("signer", "")))
        }
        if edxml.get("weak"):
            text += " " + _("Thuật toán ký đã cũ (SHA-1).")
        return True, text
    code = edxml.get("code")
    if code == "signature-missing":
        return False, _("Gói tin không có chữ ký số của cơ quan gửi.")
    if code == "signature-untrusted":
        return False, _("Chữ ký số đúng nhưng chứng thư số không được tin cậy: %(why)s") % {
            "why": edxml.get("message", "")
        }
    if code == "no-trust-anchor":
        return False, _("Chưa cấu hình chứng thư gốc tin cậy: không kiểm tra được chữ ký số.")
    return False, _("Chữ ký số không hợp lệ: nội dung có thể đã bị thay đổi (%(why)s).") % {
        "why": edxml.get("message", "")
    }


def pdf_sentences(pdf: dict[str, Any]) -> list[tuple[bool, str]]:
    roles = {"person": _("người có thẩm quyền"), "agency": _("cơ quan ban hành")}
    said: list[tuple[bool, str]] = []
    for s in pdf.get("signatures", []):
        ok = bool(s.get("valid") and s.get("trusted"))
        role = roles.get(str(s.get("role")), str(s.get("role")))
        if ok:
            said.append(
                (
                    True,
                    _("Chữ ký của %(role)s hợp lệ: %(who)s.")
                    % {"role": role, "who": _who(s["signer"])},
                )
            )
        else:
            problems = "; ".join(s.get("problems") or []) or _("không tin cậy")
            said.append(
                (
                    False,
                    _("Chữ ký của %(role)s không hợp lệ (%(who)s): %(why)s")
                    % {"role": role, "who": _who(s["signer"]), "why": problems},
                )
            )
    if not pdf.get("signatures"):
        said.append((False, _("Tệp không có chữ ký số.")))
    return said


__all__ = ["Checked", "EdxmlError", "check_edxml", "check_pdf", "edxml_sentence", "pdf_sentences"]
