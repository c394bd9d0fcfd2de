"""Changes to the registry: agencies, connected systems and trust anchors, each audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application

from lienthong.edxml.agency_codes import Decision20Code, Qcvn102Code, parse_agency_code
from lienthong.hub.audit.services import append as audit
from lienthong.hub.errors import HubError, NotFound
from lienthong.signatures.trust import load_certificates

from .models import Agency, ConnectedSystem, TrustAnchor
from .trust import forget_policy


class RegistryConflict(HubError):
    code = "registry-conflict"
    status = 409


def add_agency(
    code: str,
    name: str,
    *,
    parent: str | None = None,
    kind: str = Agency.Kind.STATE,
    code_d20: str | None = None,
    email: str = "",
    actor: str = "operator",
) -> Agency:
    """Register an agency. Enterprises start ``pending`` until an operator approves them."""
    parsed = Qcvn102Code.parse(code)
    if code_d20 is not None:
        Decision20Code.parse(code_d20)
    parent_row = None
    if parent is not None:
        parent_row = Agency.objects.filter(code=str(parse_agency_code(parent))).first()
        if parent_row is None:
            raise NotFound(f"the parent agency {parent} is not registered")
    elif (implied := parsed.parent()) is not None:
        parent_row = Agency.objects.filter(code=str(implied)).first()
    if Agency.objects.filter(code=str(parsed)).exists():
        raise RegistryConflict(f"the agency {parsed} is registered already")
    status = Agency.Status.PENDING if kind == Agency.Kind.ENTERPRISE else Agency.Status.ACTIVE
    with transaction.atomic():
        agency = Agency.objects.create(
            code=str(parsed),
            code_d20=code_d20,
            name=name,
            parent=parent_row,
            level=parsed.level,
            kind=kind,
            status=status,
            email=email,
        )
        audit(actor, "agency.added", agency.code, {"name": name, "status": status})
    return agency


def set_agency_status(code: str, status: str, *, actor: str = "operator") -> Agency:
    """Approve, suspend, reactivate or close an agency; its history stays."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().filter(code=code).first()
        if agency is None:
            raise NotFound(f"the agency {code} is not registered")
        if status not in Agency.Status.values:
            raise HubError(f"{status!r} is not an agency status")
        previous = agency.status
        agency.status = status
        agency.save(update_fields=["status", "updated_at"])
        audit(actor, "agency.status", agency.code, {"from": previous, "to": status})
    return agency


@dataclass(frozen=True)
class NewSystem:
    """A connected system and its credentials; the secret is shown once and stored hashed."""

    system: ConnectedSystem
    client_id: str
    client_secret: str


def add_system(
    name: str, agency_codes: Sequence[str], *, webhook_url: str = "", actor: str = "operator"
) -> NewSystem:
    agencies = list(Agency.objects.filter(code__in=agency_codes))
    missing = sorted(set(agency_codes) - {a.code for a in agencies})
    if missing:
        raise NotFound(f"not registered: {', '.join(missing)}")
    if ConnectedSystem.objects.filter(name=name).exists():
        raise RegistryConflict(f"a system named {name!r} exists already")
    secret = generate_client_secret()
    with transaction.atomic():
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,  # hashed on save by django-oauth-toolkit
        )
        system = ConnectedSystem.objects.create(
            name=name, application=application, webhook_url=webhook_url
        )
        system.agencies.set(agencies)
        audit(actor, "system.added", name, {"agencies": sorted(agency_codes)})
    return NewSystem(system, application.client_id, secret)


def add_trust_anchor(pem: bytes, *, actor: str = "operator") -> list[TrustAnchor]:
    """Trust the certificate(s) in ``pem`` as roots for signature checks."""
    added = []
    with transaction.atomic():
        for certificate in load_certificates(pem, "the trust anchor"):
            fingerprint = certificate.fingerprint(SHA256()).hex()
            anchor, created = TrustAnchor.objects.get_or_create(
                fingerprint=fingerprint,
                defaults={
                    "name": certificate.subject.rfc4514_string(),
                    "certificate_pem": certificate.public_bytes(Encoding.PEM).decode(),
                },
            )
            if created:
                audit(actor, "trust.added", fingerprint, {"subject": anchor.name})
            added.append(anchor)
    transaction.on_commit(forget_policy)
    return added
