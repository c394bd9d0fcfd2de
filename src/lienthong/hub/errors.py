"""Errors of the hub's services, each with a stable ``code`` and the HTTP status it maps to.

The API turns them (and the edXML library's errors) into RFC 9457 problem details once, in
:mod:`lienthong.hub.api.problems`; the CLI into messages and exit codes.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    code = "hub-error"
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class PayloadTooLarge(HubError):
    code = "payload-too-large"
    status = 413


class SenderNotAllowed(HubError):
    code = "sender-not-allowed"
    status = 403


class SenderUnknown(HubError):
    code = "sender-unknown"
    status = 422


class RecipientUnknown(HubError):
    code = "recipient-unknown"
    status = 422


class RecipientInactive(HubError):
    code = "recipient-inactive"
    status = 422


class DuplicateConflict(HubError):
    code = "duplicate-conflict"
    status = 409


class ValueInvalid(HubError):
    """A value an operator or a client gave is not one the hub can take."""

    code = "value-invalid"
    status = 422


class NotFound(HubError):
    code = "not-found"
    status = 404


class Forbidden(HubError):
    code = "forbidden"
    status = 403


class NotOriginalSender(HubError):
    code = "not-original-sender"
    status = 403


class UnknownDocument(HubError):
    """A revocation, update, replacement or status names a document the hub never carried."""

    code = "document-unknown"
    status = 422


class DeliveryStateConflict(HubError):
    code = "delivery-state-conflict"
    status = 409
