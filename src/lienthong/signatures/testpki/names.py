"""Who is who in the test PKI: labels, Vietnamese names, and where the agency code lives.

Subjects (UTF8String, country ``VN`` as PrintableString):

* the PKI's own certificates — ``CN`` names the role, ``O`` the (test) specialised CA, ``OU``
  carries the PKI's random id so that two test PKIs can never be confused by name;
* an agency — ``CN`` and ``O`` = the agency's name, ``UID`` = its agency code;
* a person — ``CN`` = the person's name, ``title`` = their title, ``O`` = their agency's name,
  ``UID`` = their agency's code.

The agency code is in ``UID`` (userId, 0.9.2342.19200300.100.1.1), verbatim, in both kinds: it
names the agency the holder signs for. A person's certificate is told apart by its ``title``.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from ...edxml.agency_codes import parse_agency_code
from ...edxml.errors import AgencyCodeError
from ..errors import PkiError

# Certificate labels of the PKI's own certificates; a CA's label also names its OCSP, CRL and
# certificate-repository services (hence the URLs, e.g. /pki/crls/to-chuc/latest.crl).
ROOT: Final = "goc"
ORGANISATIONS_CA: Final = "to-chuc"
PERSONS_CA: Final = "ca-nhan"
TSA: Final = "tsa"
SUB_CAS: Final = (ORGANISATIONS_CA, PERSONS_CA)
CAS: Final = (ROOT, *SUB_CAS)


def ocsp_responder_label(ca: str) -> str:
    return f"ocsp-{ca}"


_CA_ORGANIZATION: Final = "Tổ chức chứng thực chữ ký số chuyên dùng Chính phủ (thử nghiệm)"
_COMMON_NAMES: Final = {
    ROOT: "CA gốc chuyên dùng Chính phủ (thử nghiệm)",
    ORGANISATIONS_CA: "CA chuyên dùng cơ quan, tổ chức (thử nghiệm)",
    PERSONS_CA: "CA chuyên dùng cá nhân (thử nghiệm)",
    ocsp_responder_label(ORGANISATIONS_CA): "OCSP — CA cơ quan, tổ chức (thử nghiệm)",
    ocsp_responder_label(PERSONS_CA): "OCSP — CA cá nhân (thử nghiệm)",
    TSA: "Dịch vụ cấp dấu thời gian (thử nghiệm)",
}

# RFC 5280 upper bound for CN and O; cryptography counts it in UTF-8 bytes and warns beyond.
_MAX_NAME: Final = 64


def pki_subject(label: str, pki_id: str) -> dict[str, str]:
    return {
        "country_name": "VN",
        "organization_name": _CA_ORGANIZATION,
        "organizational_unit_name": f"PKI thử nghiệm lienthong {pki_id}",
        "common_name": _COMMON_NAMES[label],
    }


def agency_subject(code: str, name: str) -> dict[str, str]:
    return {
        "country_name": "VN",
        "organization_name": name,
        "common_name": _common_name(name),
        "user_id": code,
    }


def person_subject(name: str, title: str, agency_code: str, agency_name: str) -> dict[str, str]:
    if len(name.encode("utf-8")) > _MAX_NAME:
        raise PkiError(f"the person's name {name!r} is too long for a certificate")
    return {
        "country_name": "VN",
        "organization_name": agency_name,
        "title": title,
        "common_name": name,
        "user_id": agency_code,
    }


def _common_name(name: str) -> str:
    """The name, shortened at a character boundary to fit a CN (the full name stays in O)."""
    if len(name.encode("utf-8")) <= _MAX_NAME:
        return name
    shortened = name
    while len((shortened + "…").encode("utf-8")) > _MAX_NAME:
        shortened = shortened[:-1]
    return shortened.rstrip() + "…"


def required_text(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise PkiError(f"{what} is empty")
    if len(text) > _MAX_NAME:
        raise PkiError(f"{what} has {len(text)} characters; a certificate allows {_MAX_NAME}")
    return text


def checked_agency_code(code: str) -> str:
    try:
        return str(parse_agency_code(code))
    except AgencyCodeError as exc:
        raise PkiError(exc.message) from None


def agency_code_of(cert: x509.Certificate) -> str | None:
    """The agency code a test-PKI certificate carries (``UID``), or None if it carries none.

    A ``UID`` that is not an agency code (real certificates put tax or ID numbers there) gives None.
    """
    for attribute in cert.subject.get_attributes_for_oid(NameOID.USER_ID):
        value = attribute.value
        if isinstance(value, bytes):
            continue
        try:
            return str(parse_agency_code(value))
        except AgencyCodeError:
            continue
    return None


def holder_role_of(cert: x509.Certificate) -> Literal["agency", "person"] | None:
    """Whether a test-PKI certificate is an agency's or a person's, or None if neither."""
    if agency_code_of(cert) is None:
        return None
    return "person" if cert.subject.get_attributes_for_oid(NameOID.TITLE) else "agency"


def slug(text: str) -> str:
    """A name as ASCII, lower case and dashes, for labels ("Đỗ Thị Ánh" → "do-thi-anh")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    kept = "".join(c if c.isalnum() or c == "." else "-" for c in ascii_text.lower())
    return "-".join(part for part in kept.split("-") if part) or "x"
