"""The incoming list in pages of 50, newest first, each document once (issue 5: 100,000
documents in one agency, see benchmarks/dms_bench.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from lienthong.dms.incoming.models import Assignment, IncomingDocument

from .support import PASSWORD, arrive


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _copies(original: IncomingDocument, count: int) -> list[IncomingDocument]:
    """``count`` more documents like ``original``, one a minute before it, stored at once."""
    copies = []
    for n in range(count):
        copy = IncomingDocument.objects.get(pk=original.pk)
        copy.pk = None
        copy.hub_message_id = f"copy-{n}"
        copy.arrived_at = original.arrived_at - dt.timedelta(minutes=n + 1)
        copies.append(copy)
    return IncomingDocument.objects.bulk_create(copies)


def _shown(client: Client, **query: str) -> tuple[list[int], Any]:
    response = client.get("/incoming/", query)
    assert response.status_code == 200
    return [d.pk for d in response.context["documents"]], response.context["next_page"]


def test_the_list_comes_in_pages_of_50_newest_first(offices: Any) -> None:
    first = arrive(offices)
    _copies(first, 119)
    client = _client(offices.recipient.clerk)
    pages = [_shown(client, page=str(n)) for n in (1, 2, 3)]
    assert [(len(ids), after) for ids, after in pages] == [(50, 2), (50, 3), (20, None)]
    everything = [pk for ids, _ in pages for pk in ids]
    newest_first = IncomingDocument.objects.filter(agency=offices.recipient.agency)
    assert everything == list(newest_first.values_list("pk", flat=True))
    assert everything[0] == first.pk
    page = client.get("/incoming/", {"page": "2"}).content.decode()
    assert 'href="?page=1"' in page and 'href="?page=3"' in page
    # anything but a page number is the first page; past the end, an empty page
    for wrong in ("0", "-1", "x", "²", "1" * 5000):
        assert _shown(client, page=wrong)[0] == pages[0][0]
    assert _shown(client, page="9999") == ([], None)


def test_a_document_with_several_handlers_is_listed_once(offices: Any) -> None:
    doc = arrive(offices)
    office = offices.recipient
    for user, role in ((office.specialist, "main"), (office.colleague, "co")):
        Assignment.objects.create(document=doc, user=user, role=role)
    assert _shown(_client(office.clerk))[0] == [doc.pk]
    assert _shown(_client(office.specialist), show="mine")[0] == [doc.pk]
    assert _shown(_client(office.head), show="mine")[0] == []
