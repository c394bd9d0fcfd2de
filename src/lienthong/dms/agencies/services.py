"""Creating agencies and users, and what an agency needs to act: its hub client, its keys."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from pyhanko.sign.signers import Signer

from lienthong.client import HubClient
from lienthong.dms.errors import InvalidInput, SigningFailed
from lienthong.edxml import build
from lienthong.edxml.agency_codes import parse_agency_code
from lienthong.edxml.dsig import sign
from lienthong.edxml.errors import AgencyCodeError, KeyLoadError
from lienthong.edxml.model import (
    Organization,
    ResponseFor,
    StatusCode,
    StatusMessage,
    format_timestamp,
)
from lienthong.edxml.signing_key import SigningKey
from lienthong.signatures.errors import SignaturesError
from lienthong.signatures.keys import KeySource, open_signer

from .models import Agency, Role, User

_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


def create_agency(
    code: str,
    *,
    name: str,
    hub_url: str,
    client_id: str,
    client_secret: str,
    notation: str = "",
    signing_p12: Path | None = None,
    signing_p12_password: str = "",
    signing_key: Path | None = None,
    signing_cert: Path | None = None,
    signing_chain: Path | None = None,
    seal_image: Path | None = None,
) -> Agency:
    """Host a new agency here, with its default incoming and outgoing registers."""
    from lienthong.dms.registers.services import create_default_registers

    try:
        code = str(parse_agency_code(code.strip()))
    except AgencyCodeError as exc:
        raise InvalidInput(f"{code!r} is not an agency code: {exc.message}") from None
    if not name.strip():
        raise InvalidInput("the agency needs a name")
    if not hub_url.startswith(("http://", "https://")):
        raise InvalidInput(f"the hub URL {hub_url!r} must start with http:// or https://")
    if not client_id or not client_secret:
        raise InvalidInput("the hub's client id and client secret are both needed")
    for path in (signing_p12, signing_key, signing_cert, signing_chain, seal_image):
        if path is not None and not path.is_file():
            raise InvalidInput(f"{path}: no such file")
    if signing_key is not None and signing_cert is None:
        raise InvalidInput("a signing key needs its certificate (--cert)")
    agency = Agency(
        code=code,
        name=name.strip(),
        notation=notation.strip(),
        hub_url=hub_url.rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        signing_p12=str(signing_p12.resolve()) if signing_p12 else "",
        signing_p12_password=signing_p12_password,
        signing_key=str(signing_key.resolve()) if signing_key else "",
        signing_cert=str(signing_cert.resolve()) if signing_cert else "",
        signing_chain=str(signing_chain.resolve()) if signing_chain else "",
        seal_image=str(seal_image.resolve()) if seal_image else "",
    )
    if agency.signing_p12 or agency.signing_key:
        edxml_key(agency)  # refuse a credential that cannot be read now, not at first use
    try:
        with transaction.atomic():
            agency.save()
            create_default_registers(agency)
    except IntegrityError:
        raise InvalidInput(f"the agency {code} is already hosted here") from None
    return agency


def create_user(
    username: str,
    *,
    agency: Agency,
    role: str,
    password: str,
    full_name: str = "",
    position: str = "",
    signing_p12: Path | None = None,
) -> User:
    if not _USERNAME.match(username):
        raise InvalidInput(f"{username!r} is not a user name (letters, digits, . @ + - _)")
    if role not in Role.values:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(Role.values)}")
    if len(password) < 8:
        raise InvalidInput("the password needs at least 8 characters")
    if signing_p12 is not None and not signing_p12.is_file():
        raise InvalidInput(f"{signing_p12}: no such file")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"the user {username} exists already")
    user = User(
        username=username,
        agency=agency,
        role=role,
        full_name=full_name,
        position=position,
        signing_p12=str(signing_p12.resolve()) if signing_p12 else "",
    )
    user.set_password(password)
    user.save()
    return user


def agency_by_code(code: str) -> Agency:
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None:
        raise InvalidInput(f"no agency {code} is hosted here (lienthong dms createagency)")
    return agency


def organization(agency: Agency) -> Organization:
    return Organization(agency.code, organ_name=agency.name)


def hub_client(agency: Agency) -> HubClient:
    """A session with the agency's hub; close it (or use it as a context manager)."""
    return HubClient(agency.hub_url, agency.client_id, agency.client_secret, retries=2)


def edxml_key(agency: Agency) -> SigningKey:
    """The agency's key for XML signatures on edXML (documents and status notices)."""
    try:
        if agency.signing_p12:
            return SigningKey.from_pkcs12(
                Path(agency.signing_p12).read_bytes(),
                agency.signing_p12_password.encode() or None,
            )
        if agency.signing_key:
            chain = Path(agency.signing_chain).read_bytes() if agency.signing_chain else None
            return SigningKey.from_pem(
                Path(agency.signing_key).read_bytes(), Path(agency.signing_cert).read_bytes(), chain
            )
    except (OSError, KeyLoadError) as exc:
        raise SigningFailed(f"the signing key of {agency.code} cannot be read: {exc}") from None
    raise SigningFailed(f"{agency.code} has no signing key (lienthong dms createagency --p12 …)")


def signed_status(
    agency: Agency,
    *,
    about: ResponseFor,
    code: StatusCode | str,
    description: str,
    at: dt.datetime,
) -> bytes:
    """A status message from ``agency`` about a document (``about``), signed with its key;
    ``at`` is its timestamp (the same ``at`` gives the same bytes, so a retry is idempotent)."""
    message = StatusMessage(
        from_=organization(agency),
        response_for=about,
        status_code=code.value if isinstance(code, StatusCode) else code,
        description=description,
        timestamp=format_timestamp(timezone.localtime(at).replace(tzinfo=None)),
    )
    return sign(build(message), edxml_key(agency))


@contextmanager
def agency_pdf_signer(agency: Agency) -> Iterator[Signer]:
    """The agency's key as a PAdES signer (the seal signature on outgoing PDFs)."""
    if agency.signing_p12:
        source = KeySource.from_options(
            p12=agency.signing_p12, p12_password=agency.signing_p12_password or None
        )
    elif agency.signing_key:
        source = KeySource.from_options(
            key=agency.signing_key,
            cert=agency.signing_cert,
            chain=agency.signing_chain or None,
        )
    else:
        raise SigningFailed(f"{agency.code} has no signing key")
    try:
        with open_signer(source) as signer:
            yield signer
    except SignaturesError as exc:
        raise SigningFailed(exc.message) from None


@contextmanager
def personal_pdf_signer(user: User, password: str) -> Iterator[Signer]:
    """The user's personal certificate (PKCS#12 named at ``createuser``), unlocked for one use."""
    if not user.signing_p12:
        raise SigningFailed(f"{user.username} has no personal signing certificate")
    try:
        source = KeySource.from_options(p12=user.signing_p12, p12_password=password or None)
        with open_signer(source) as signer:
            yield signer
    except SignaturesError as exc:
        raise SigningFailed(exc.message) from None
