"""The test PKI as certomancer sees it: the state, translated into a certomancer configuration.

certomancer is declarative; this module is the one place that speaks its configuration language.
Every call builds the architecture afresh from the state (a CLI call is a process), with each key
read from its file and each certificate already issued pinned to its file (``certificate-file``),
so only a new certificate is ever generated. Serials and validity come from the state.

Services (labels are the CA labels of :mod:`.names`):

* OCSP: the root answers for the certificates it issued itself; each sub-CA has a delegated
  responder (its own certificate, ``id-kp-OCSPSigning`` and ``id-pkix-ocsp-nocheck``);
* CRL and certificate repositories: one per CA (the CRL itself is built by :mod:`.crl`);
* time-stamping: ``tsa``, with a certificate issued by the root (``id-kp-timeStamping``).
"""

from __future__ import annotations

from typing import Any, Final

from certomancer.registry import (
    ArchLabel,
    CertLabel,
    CertomancerConfig,
    PKIArchitecture,
    ServiceLabel,
)
from cryptography import x509

from .names import CAS, ROOT, SUB_CAS, TSA, ocsp_responder_label
from .records import CertRecord, Kind, Layout, PkiState

ARCH: Final = "pki"
_KEYSET: Final = "pki"
LOOPBACK: Final = "127.0.0.1"

_LEAF_KEY_USAGES: Final = {
    "signing": ("digital_signature", "non_repudiation"),
    "encipherment": ("key_encipherment",),
}
LEAF_KEY_USAGES: Final = tuple(_LEAF_KEY_USAGES)


def build(layout: Layout, state: PkiState) -> PKIArchitecture:
    """The certomancer architecture of the PKI in ``layout`` as ``state`` describes it."""
    config = CertomancerConfig(
        _config(layout, state),
        key_search_dir=str(layout.directory),
        lazy_load_keys=True,
        config_search_dir=str(layout.directory),
    )
    return config.get_pki_arch(ArchLabel(ARCH))


def certificate(arch: PKIArchitecture, label: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())


def ocsp_url(arch: PKIArchitecture, ca: str) -> str:
    return str(arch.service_registry.get_ocsp_info(ServiceLabel(ca)).url)


def crl_url(arch: PKIArchitecture, ca: str) -> str:
    return str(arch.service_registry.get_crl_repo_info(ServiceLabel(ca)).latest_external_url)


def tsa_url(arch: PKIArchitecture) -> str:
    return str(arch.service_registry.get_tsa_info(ServiceLabel(TSA)).url)


def _config(layout: Layout, state: PkiState) -> dict[str, Any]:
    return {
        "external-url-prefix": f"http://{LOOPBACK}:{state.port}",
        "keysets": {
            _KEYSET: {"keys": {r.label: {"path": str(layout.key(r))} for r in state.records}}
        },
        "pki-architectures": {
            ARCH: {
                "keyset": _KEYSET,
                "entities": {r.label: dict(r.subject) for r in state.records},
                "certs": {r.label: _cert_spec(layout, r) for r in state.records},
                "services": _services(),
            }
        },
    }


def _cert_spec(layout: Layout, record: CertRecord) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "subject": record.label,
        "issuer": record.issuer,
        "serial": record.serial,
        "validity": {
            "valid-from": record.not_before.isoformat(),
            "valid-to": record.not_after.isoformat(),
        },
        "extensions": _extensions(record),
    }
    if record.kind is not Kind.ROOT:
        # The issuer's own certificate, named explicitly since a CA could one day hold two.
        spec["issuer-cert"] = record.issuer
    if record.revocation is not None:
        spec["revocation"] = {
            "revoked-since": record.revocation.at.isoformat(),
            "reason": record.revocation.reason,
        }
    cert_file = layout.cert(record)
    if cert_file.is_file():
        spec["certificate-file"] = str(cert_file)
    return spec


def _extensions(record: CertRecord) -> list[dict[str, Any]]:
    if record.kind is Kind.ROOT:
        return [_basic_constraints(ca=True), _key_usage("key_cert_sign", "crl_sign")]
    if record.kind is Kind.SUB_CA:
        return [
            _basic_constraints(ca=True, path_length=0),
            _key_usage("key_cert_sign", "crl_sign"),
            *_revocation_info(record.issuer),
        ]
    if record.kind is Kind.OCSP_RESPONDER:
        return [
            _key_usage("digital_signature"),
            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
            {"id": "ocsp_no_check"},
        ]
    if record.kind is Kind.TSA:
        return [
            _key_usage("digital_signature", "non_repudiation"),
            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            *_revocation_info(record.issuer),
        ]
    return [
        _basic_constraints(ca=False),
        _key_usage(*_LEAF_KEY_USAGES[record.key_usage or "signing"]),
        *_revocation_info(record.issuer),
    ]


def _basic_constraints(*, ca: bool, path_length: int | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"ca": ca}
    if path_length is not None:
        value["path_len_constraint"] = path_length
    return {"id": "basic_constraints", "critical": True, "value": value}


def _key_usage(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def _revocation_info(ca: str) -> list[dict[str, Any]]:
    """CRL distribution point, OCSP address and issuer-certificate address of ``ca``."""
    return [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [ca]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {
                "schema": "aia-urls",
                "params": {"ocsp-responder-names": [ca], "ca-issuer-links": [{"repo": ca}]},
            },
        },
    ]


def _services() -> dict[str, Any]:
    ocsp: dict[str, Any] = {
        ROOT: {"for-issuer": ROOT, "responder-cert": ROOT, "signing-key": ROOT},
    }
    for ca in SUB_CAS:
        responder = ocsp_responder_label(ca)
        ocsp[ca] = {"for-issuer": ca, "responder-cert": responder, "signing-key": responder}
    return {
        "ocsp": ocsp,
        "crl-repo": {
            ca: {"for-issuer": ca, "signing-key": ca, "simulated-update-schedule": "P1D"}
            for ca in CAS
        },
        "cert-repo": {ca: {"for-issuer": ca, "issuer-cert": ca} for ca in CAS},
        "time-stamping": {
            TSA: {"signing-cert": TSA, "signing-key": TSA, "certs-to-embed": [ROOT]},
        },
    }
