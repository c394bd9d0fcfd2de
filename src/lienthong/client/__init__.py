"""The hub's Python SDK: what the dms, the CLI, benchmarks and third-party systems use to send,
receive and track edXML documents through a hub (DESIGN.md §6). Plain httpx; no Django.

    with HubClient("https://hub.example.vn", client_id, client_secret) as hub:
        accepted = hub.submit(signed_edxml)
        for item in hub.inbox(kind="edoc"):
            data = hub.fetch(item.message_id)
            ...  # register it
            hub.ack(item.delivery_id)
"""

from .backoff import Backoff
from .errors import (
    ContentMismatch,
    HubClientError,
    HubProblem,
    HubUnavailable,
    UnexpectedResponse,
)
from .http import HubClient
from .results import Accepted, Acknowledged, AgencyPage, Fetched, InboxItem, Kind

__all__ = [
    "Accepted",
    "Acknowledged",
    "AgencyPage",
    "Backoff",
    "ContentMismatch",
    "Fetched",
    "HubClient",
    "HubClientError",
    "HubProblem",
    "HubUnavailable",
    "InboxItem",
    "Kind",
    "UnexpectedResponse",
]
