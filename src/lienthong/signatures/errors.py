"""Typed errors of the signatures library, each with a stable machine ``code``."""

from __future__ import annotations

from ..errors import CodedError


class SignaturesError(CodedError):
    """Base of every error the signatures library raises; ``message`` is for people."""

    code = "signatures-error"


class PkiError(SignaturesError):
    """The test PKI folder is missing, damaged, or asked for something it cannot do."""

    code = "pki-error"


class KeyError_(SignaturesError):
    """A key, certificate, PKCS#12 file or PKCS#11 token cannot be used."""

    code = "key-invalid"


class TrustError(SignaturesError):
    """Trust anchors cannot be read, or a policy is not well formed."""

    code = "trust-invalid"


class PdfError(SignaturesError):
    """The PDF cannot be read or written (not a PDF, encrypted, damaged)."""

    code = "pdf-invalid"


class SigningError(SignaturesError):
    """Signing failed for a reason other than the input (e.g. the TSA did not answer)."""

    code = "signing-failed"


class TimestampUnavailableError(SigningError):
    """The time-stamp authority could not be reached or refused; no signature was written."""

    code = "tsa-unavailable"
