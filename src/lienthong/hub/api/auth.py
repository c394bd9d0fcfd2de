"""Who is calling: a connected system, by its OAuth2 client-credentials bearer token."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest
from ninja.security import HttpBearer
from oauth2_provider.models import get_access_token_model

from lienthong.hub.registry.models import ConnectedSystem


class SystemToken(HttpBearer):
    """Bearer token → the active connected system whose OAuth2 application it was issued to.

    Tokens are looked up by their SHA-256 checksum, as django-oauth-toolkit stores them.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ConnectedSystem | None:
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        # One query on every call: the token, its application and the system it belongs to.
        access = (
            get_access_token_model()
            .objects.select_related("application__connected_system")
            .filter(token_checksum=checksum)
            .first()
        )
        if access is None or access.is_expired() or access.application is None:
            return None
        try:
            system: ConnectedSystem = access.application.connected_system
        except ConnectedSystem.DoesNotExist:
            return None
        return system if system.active else None
