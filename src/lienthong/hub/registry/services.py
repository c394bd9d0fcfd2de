"""Changes to the registry: agencies, connected systems and trust anchors, each audited."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application, get_access_token_model

from lienthong.edxml.agency_codes import Decision20Code, Qcvn102Code, parse_agency_code
from lienthong.hub.audit.services import append as audit
from lienthong.hub.errors import HubError, NotFound, ValueInvalid
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
    webhook_secret: str = ""


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
    webhook_secret = secrets.token_urlsafe(32) if webhook_url else ""
    with transaction.atomic():
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,  # hashed on save by django-oauth-toolkit
        )
        system = ConnectedSystem(
            name=name,
            application=application,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
        )
        system.seal_client_secret(secret)  # for the VXP endpoint's HMAC (docs/vxp.md)
        system.save()
        system.agencies.set(agencies)
        audit(actor, "system.added", name, {"agencies": sorted(agency_codes)})
    return NewSystem(system, application.client_id, secret, webhook_secret)


def reissue_client_secret(name: str, *, actor: str = "operator") -> NewSystem:
    """Give a system a new client secret (shown once): the old one and the tokens issued with
    it stop working. Systems added before secrets were sealed need this to use VXP."""
    secret = generate_client_secret()
    with transaction.atomic():
        system = (
            ConnectedSystem.objects.select_for_update()
            .select_related("application")
            .filter(name=name)
            .first()
        )
        if system is None:
            raise NotFound(f"no connected system named {name!r}")
        application = system.application
        application.client_secret = secret  # hashed on save by django-oauth-toolkit
        application.save(update_fields=["client_secret"])
        get_access_token_model().objects.filter(application=application).delete()
        system.seal_client_secret(secret)
        system.save(update_fields=["client_secret_sealed"])
        audit(actor, "system.secret-reissued", name, {})
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


def remove_trust_anchor(fingerprint: str, *, actor: str = "operator") -> TrustAnchor:
    """Stop trusting a root (a compromised or retired CA): signatures under it no longer verify.

    ``fingerprint`` is the anchor's SHA-256 in hex, as listed; a unique prefix of at least 8
    digits is enough. Messages already accepted keep the verdict they were accepted with.
    """
    wanted = fingerprint.strip().lower().replace(":", "")
    if len(wanted) < 8:
        raise ValueInvalid("give at least the first 8 hex digits of the SHA-256 fingerprint")
    with transaction.atomic():
        matches = list(
            TrustAnchor.objects.select_for_update().filter(fingerprint__startswith=wanted)[:2]
        )
        if not matches:
            raise NotFound(f"no trust anchor with a fingerprint starting {wanted}")
        if len(matches) > 1:
            raise ValueInvalid(f"{wanted} starts more than one fingerprint: give more digits")
        (anchor,) = matches
        anchor.delete()
        audit(actor, "trust.removed", anchor.fingerprint, {"subject": anchor.name})
    transaction.on_commit(forget_policy)
    return anchor


# --- operator console and command line: look-ups, status changes, edits ------------------------


def agency_by_code(text: str) -> Agency:
    """The agency registered under ``text``, in either code form (QCVN 102 or Decision 20)."""
    code = str(parse_agency_code(text))
    agency = (
        Agency.objects.filter(code=code).first() or Agency.objects.filter(code_d20=code).first()
    )
    if agency is None:
        raise NotFound(f"the agency {code} is not registered")
    return agency


def list_agencies(*, status: str | None = None) -> list[Agency]:
    rows = Agency.objects.select_related("parent").order_by("code")
    if status is not None:
        rows = rows.filter(status=status)
    return list(rows)


class AgencyStatusConflict(HubError):
    code = "agency-status-conflict"
    status = 409


# What an operator may do to an agency: the statuses it may start from, and where it ends.
# Closing is final (the agency's history stays); approving also reinstates a suspended agency.
AGENCY_STATUS_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (
        frozenset({Agency.Status.PENDING, Agency.Status.SUSPENDED}),
        Agency.Status.ACTIVE,
    ),
    "suspend": (frozenset({Agency.Status.PENDING, Agency.Status.ACTIVE}), Agency.Status.SUSPENDED),
    "close": (
        frozenset({Agency.Status.PENDING, Agency.Status.ACTIVE, Agency.Status.SUSPENDED}),
        Agency.Status.CLOSED,
    ),
}


@dataclass(frozen=True)
class StatusChange:
    agency: Agency
    previous: str
    changed: bool


def change_agency_status(code: str, action: str, *, actor: str = "operator") -> StatusChange:
    """Approve, suspend or close an agency; asking for the status it already has changes
    nothing, a move the table above does not allow is an :class:`AgencyStatusConflict`."""
    if action not in AGENCY_STATUS_ACTIONS:
        raise HubError(f"{action!r} is not one of {', '.join(AGENCY_STATUS_ACTIONS)}")
    allowed_from, target = AGENCY_STATUS_ACTIONS[action]
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency_by_code(code).pk)
        previous = agency.status
        if previous == target:
            return StatusChange(agency, previous, changed=False)
        if previous not in allowed_from:
            raise AgencyStatusConflict(
                f"the agency {agency.code} is {previous}; only an agency that is "
                f"{' or '.join(sorted(allowed_from))} can be made {target} ({action})",
                current=previous,
            )
        return StatusChange(set_agency_status(agency.code, target, actor=actor), previous, True)


def update_agency(code: str, *, name: str, email: str = "", actor: str = "operator") -> Agency:
    """Change an agency's name or e-mail address (its codes, place and kind stay)."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency_by_code(code).pk)
        changes = {
            field: {"from": getattr(agency, field), "to": value}
            for field, value in (("name", name), ("email", email))
            if getattr(agency, field) != value
        }
        if changes:
            agency.name, agency.email = name, email
            agency.save(update_fields=["name", "email", "updated_at"])
            audit(actor, "agency.changed", agency.code, changes)
    return agency


def list_systems() -> list[ConnectedSystem]:
    return list(
        ConnectedSystem.objects.select_related("application")
        .prefetch_related("agencies")
        .order_by("name")
    )


@dataclass(frozen=True)
class SystemChanged:
    system: ConnectedSystem
    webhook_secret: str = ""  # issued by this change (the system's first webhook): shown once


def change_system(
    name: str,
    *,
    agency_codes: Sequence[str],
    webhook_url: str,
    active: bool,
    actor: str = "operator",
) -> SystemChanged:
    """Change which agencies a system acts for, its webhook, or whether it may connect at all
    (its credentials are never shown or changed here).

    A system given its first webhook also gets a webhook secret, which the hub signs its
    notifications with: the answer carries it, to be shown to the operator once.
    """
    with transaction.atomic():
        system = ConnectedSystem.objects.select_for_update().filter(name=name).first()
        if system is None:
            raise NotFound(f"no connected system named {name!r}")
        agencies = list(Agency.objects.filter(code__in=agency_codes))
        missing = sorted(set(agency_codes) - {a.code for a in agencies})
        if missing:
            raise NotFound(f"not registered: {', '.join(missing)}")
        before = sorted(system.agencies.values_list("code", flat=True))
        after = sorted(a.code for a in agencies)
        changes: dict[str, dict[str, object]] = {}
        if before != after:
            changes["agencies"] = {"from": before, "to": after}
            system.agencies.set(agencies)
        for field, value in (("webhook_url", webhook_url), ("active", active)):
            if getattr(system, field) != value:
                changes[field] = {"from": getattr(system, field), "to": value}
                setattr(system, field, value)
        new_webhook_secret = ""
        if system.webhook_url and not system.webhook_secret:
            new_webhook_secret = system.webhook_secret = secrets.token_urlsafe(32)
            changes["webhook_secret"] = {"from": "", "to": "(issued)"}
        if changes:
            system.save(update_fields=["webhook_url", "webhook_secret", "active"])
            audit(actor, "system.changed", system.name, changes)
    return SystemChanged(system, new_webhook_secret)


def list_trust_anchors() -> list[TrustAnchor]:
    return list(TrustAnchor.objects.order_by("added_at", "name"))
