"""Hostile or broken input gets a 4xx problem with a stable code; never a 500, never a trace."""

from __future__ import annotations

import pytest

from .conftest import Network

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _status(inner: str = "", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<edXML xmlns="{NS}"><edXMLEnvelope>'
        f"<edXMLHeader><MessageHeader><From><OrganId>000.00.00.H41</OrganId></From>"
        f"<StatusCode>03</StatusCode><Description>{inner}</Description>"
        f"</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"
    ).encode()


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)

CORPUS = [
    (
        "xxe",
        _status("&xxe;", '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
        400,
        "edxml-forbidden",
    ),
    ("billion laughs", _status("&lol9;", f"<!DOCTYPE edXML [{LAUGHS}]>"), 400, "edxml-forbidden"),
    (
        "external dtd",
        _status("", '<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/x.dtd">'),
        400,
        "edxml-forbidden",
    ),
    ("deep nesting", _status("<a>" * 5000 + "</a>" * 5000), 413, "edxml-too-large"),
    ("not xml", b"%PDF-1.7", 400, "edxml-malformed"),
    ("empty", b"", 400, "edxml-malformed"),
    ("truncated", _status()[:-30], 400, "edxml-malformed"),
    ("not edxml", b"<html><body/></html>", 400, "edxml-malformed"),
    ("bad encoding", b'<?xml version="1.0" encoding="TTF-8"?><edXML/>', 400, "edxml-malformed"),
    (
        "invalid status",
        _status().replace(b"<StatusCode>03", b"<StatusCode>99"),
        422,
        "edxml-invalid",
    ),
]


@pytest.mark.parametrize(("name", "body", "status", "code"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_body_is_refused_with_its_code(
    network: Network, name: str, body: bytes, status: int, code: str
) -> None:
    response = network.receiver.submit(body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["type"].endswith(code)
    assert "Traceback" not in response.content.decode()


def test_the_hub_is_healthy_after_the_corpus(network: Network) -> None:
    for _, body, _, _ in CORPUS:
        network.receiver.submit(body)
    assert network.receiver.get("/api/v1/health").json() == {"status": "ok"}


def test_an_unknown_message_id_is_a_404_problem(network: Network) -> None:
    response = network.receiver.get("/api/v1/messages/not-a-uuid")
    assert (response.status_code, response.json()["code"]) == (404, "not-found")


def test_a_bad_ack_body_is_a_400_problem(network: Network) -> None:
    response = network.receiver.post_json(
        "/api/v1/inbox/00000000-0000-0000-0000-000000000000/ack", {"result": "maybe"}
    )
    assert (response.status_code, response.json()["code"]) == (400, "request-invalid")


def test_a_message_over_the_size_limit_is_413(network: Network, settings: object) -> None:
    import dataclasses

    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, max_message_bytes=1000)  # type: ignore[attr-defined]
    response = network.receiver.submit(_status("x" * 2000))
    assert (response.status_code, response.json()["code"]) == (413, "payload-too-large")


def test_metrics_count_accepted_and_refused_submissions(network: Network) -> None:
    network.receiver.submit(b"not xml")
    from django.test import Client

    text = Client(REMOTE_ADDR="127.0.0.1").get("/api/v1/metrics").content.decode()
    assert 'lienthong_submissions_total{code="edxml-malformed",outcome="refused"}' in text
    assert 'lienthong_deliveries{state="queued"}' in text


def test_metrics_are_refused_to_other_machines_without_the_token(network: Network) -> None:
    from django.test import Client

    response = Client(REMOTE_ADDR="203.0.113.9").get("/api/v1/metrics")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_system_over_its_rate_limit_gets_429_with_retry_after(
    network: Network, settings: object
) -> None:
    import dataclasses

    settings.LIENTHONG = dataclasses.replace(settings.LIENTHONG, rate_limit=1)  # type: ignore[attr-defined]
    answers = [network.receiver.get("/api/v1/inbox") for _ in range(4)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert limited[0].json()["code"] == "rate-limited"
    assert int(limited[0]["Retry-After"]) >= 1


def test_an_unknown_url_is_a_404_problem_not_an_html_page(network: Network) -> None:
    from django.test import Client

    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
