"""A test PKI for development, demos, pilots and tests, on certomancer, with Vietnamese names.

One folder holds a whole PKI (see :mod:`.records` for the layout)::

    CA gốc chuyên dùng Chính phủ (thử nghiệm)                 root, the trust anchor (root.pem)
    ├── CA chuyên dùng cơ quan, tổ chức (thử nghiệm)          sub-CA "to-chuc": agencies
    │   ├── OCSP — CA cơ quan, tổ chức (thử nghiệm)           its delegated OCSP responder
    │   └── agency credentials                               issue_agency
    ├── CA chuyên dùng cá nhân (thử nghiệm)                   sub-CA "ca-nhan": persons
    │   ├── OCSP — CA cá nhân (thử nghiệm)                    its delegated OCSP responder
    │   └── person credentials                               issue_person
    └── Dịch vụ cấp dấu thời gian (thử nghiệm)                the RFC 3161 time-stamping unit

Decisions others rely on:

* **Where the agency code lives**: the subject's ``UID`` (userId, 0.9.2342.19200300.100.1.1),
  verbatim, e.g. ``UID=000.00.00.G01``. An agency certificate has ``CN``/``O`` = the agency's
  name; a person certificate has ``CN`` = the person, ``title``, ``O`` = their agency's name and
  ``UID`` = their agency's code. :func:`agency_code_of` reads the code, :func:`holder_role_of`
  tells agency from person (a person's certificate has a ``title``).
* **Revocation**: every certificate names its issuer's CRL (``…/pki/crls/<ca>/latest.crl``) and
  OCSP address (``…/pki/ocsp/<ca>``) with ``http://127.0.0.1:<port>``. Each sub-CA answers OCSP
  through a delegated responder certificate (OCSPSigning, ocsp-nocheck); the root answers for
  the sub-CAs and the TSA itself. CRLs are built from the state at the moment asked, so
  :func:`revoke` shows at once in both.
* Keys are RSA-2048 files; certificates, once issued, are files that are never generated again.
* Everything is UTC; a naive datetime is taken as UTC.
"""

from typing import TYPE_CHECKING, Any

from .records import DEFAULT_PORT, REVOCATION_REASONS

if TYPE_CHECKING:
    from .issuing import (
        Credential,
        PkiInfo,
        init_pki,
        issue_agency,
        issue_person,
        open_pki,
        revoke,
    )
    from .names import agency_code_of, holder_role_of
    from .server import make_wsgi_app, serve, serving

# certomancer loads on first use, so that a command line naming these starts fast.
_LAZY = {
    "Credential": "issuing",
    "PkiInfo": "issuing",
    "init_pki": "issuing",
    "issue_agency": "issuing",
    "issue_person": "issuing",
    "open_pki": "issuing",
    "revoke": "issuing",
    "agency_code_of": "names",
    "holder_role_of": "names",
    "make_wsgi_app": "server",
    "serve": "server",
    "serving": "server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)


__all__ = [
    "DEFAULT_PORT",
    "REVOCATION_REASONS",
    "Credential",
    "PkiInfo",
    "agency_code_of",
    "holder_role_of",
    "init_pki",
    "issue_agency",
    "issue_person",
    "make_wsgi_app",
    "open_pki",
    "revoke",
    "serve",
    "serving",
]
