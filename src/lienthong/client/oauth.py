"""The connected system's OAuth2 client credentials and the bearer token they buy, cached.

A token is asked for once and reused until shortly before it expires; a 401 on a call makes the
caller forget it (revoked, or the hub restarted with a new database) and ask again once.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import quote_plus

import httpx

from .errors import UnexpectedResponse
from .problems import problem_from

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
_EXPIRY_MARGIN = 30.0  # seconds: never send a token that may expire on the way


class ClientCredentials:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret, never the token
        return f"ClientCredentials(client_id={self.client_id!r})"

    def bearer(self, http: httpx.Client) -> str:
        """A valid access token, from the cache or the hub's token endpoint.

        Raises :class:`~lienthong.client.errors.HubProblem` when the hub refuses the credentials
        and lets ``httpx.TransportError`` through for the caller's retries."""
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, self._expires_at = self._request_token(http)
            return self._token

    def forget(self, token: str) -> None:
        """Drop ``token`` if it is still the cached one (another thread may have renewed it)."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _request_token(self, http: httpx.Client) -> tuple[str, float]:
        asked_at = time.monotonic()
        # RFC 6749 §2.3.1: id and secret are form-encoded before they go into Basic auth.
        response = http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            auth=(quote_plus(self.client_id), quote_plus(self._secret)),
        )
        if not response.is_success:
            raise problem_from(response)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError):
            raise UnexpectedResponse("the hub's token endpoint answered without a token") from None
        return token, asked_at + max(0.0, lifetime - _EXPIRY_MARGIN)
