"""Numbering: per register per year, from 01, no gap, no duplicate, even concurrently."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction

from lienthong.dms.errors import WrongState
from lienthong.dms.registers.models import Counter, Register
from lienthong.dms.registers.services import (
    default_register,
    format_number,
    notation,
    take_number,
)


def test_numbers_start_at_one_each_year_and_follow_each_other(offices: Any) -> None:
    register = default_register(offices.sender.agency, Register.Kind.OUTGOING)
    with transaction.atomic():
        taken = [take_number(register, 2026) for _ in range(3)]
        next_year = take_number(register, 2027)
    assert taken == [1, 2, 3]
    assert next_year == 1


def test_each_register_has_its_own_series(offices: Any) -> None:
    incoming = default_register(offices.sender.agency, Register.Kind.INCOMING)
    outgoing = default_register(offices.sender.agency, Register.Kind.OUTGOING)
    other_agency = default_register(offices.recipient.agency, Register.Kind.OUTGOING)
    with transaction.atomic():
        assert [take_number(r, 2026) for r in (incoming, outgoing, other_agency)] == [1, 1, 1]


def test_a_number_taken_in_a_rolled_back_transaction_is_not_lost(offices: Any) -> None:
    register = default_register(offices.sender.agency, Register.Kind.OUTGOING)
    with pytest.raises(RuntimeError), transaction.atomic():
        take_number(register, 2026)
        raise RuntimeError("signing failed")
    with transaction.atomic():
        assert take_number(register, 2026) == 1


@pytest.mark.django_db(transaction=True)
def test_numbering_outside_a_transaction_is_refused(offices: Any) -> None:
    register = default_register(offices.sender.agency, Register.Kind.OUTGOING)
    with pytest.raises(RuntimeError):
        take_number(register, 2026)


def test_numbers_below_ten_have_a_leading_zero() -> None:
    assert [format_number(n) for n in (1, 9, 10, 123)] == ["01", "09", "10", "123"]


def test_notation_follows_decree_30() -> None:
    assert notation("Quyết định", "UBND") == "QĐ-UBND"
    assert notation("Công văn", "BNV", "VP") == "BNV-VP"
    assert notation("Tờ trình", "UBND") == "TTr-UBND"


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_has_no_gap_and_no_duplicate(served_pki: Any) -> None:
    from .support import host_offices

    offices = host_offices(served_pki, hub_url="http://127.0.0.1:9", credentials={})
    register = default_register(offices.sender.agency, Register.Kind.INCOMING)
    threads, per_thread = 16, 10
    taken: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(threads)
    lock = threading.Lock()

    def clerk() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    number = take_number(register, 2026)
                with lock:
                    taken.append(number)
        except BaseException as exc:  # reported below, with the database in use
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=clerk) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, f"{connection.vendor}: {failures[:3]}"
    assert sorted(taken) == list(range(1, threads * per_thread + 1))
    assert Counter.objects.get(register=register, year=2026).last == threads * per_thread


def _at_once(jobs: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Run ``jobs`` each in its own thread (its own database connection), started together."""
    done: list[object] = []
    refused: list[BaseException] = []
    start = threading.Barrier(len(jobs))
    lock = threading.Lock()

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            result: object = job()
            with lock:
                done.append(result)
        except BaseException as exc:
            with lock:
                refused.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


@pytest.mark.django_db(transaction=True)
def test_clerks_registering_at_the_same_moment_number_every_document_once(served_pki: Any) -> None:
    """Two clerks, each in two browser tabs, all registering the same twelve documents at the
    same moment: each document is registered once, the arrival numbers run 01 … 12."""
    from lienthong.dms.agencies.services import create_user
    from lienthong.dms.incoming import services
    from lienthong.dms.incoming.models import IncomingDocument

    from .support import PASSWORD, arrive, host_offices

    offices = host_offices(served_pki, hub_url="http://127.0.0.1:9", credentials={})
    office = offices.recipient
    other = create_user("h41-clerk2", agency=office.agency, role="clerk", password=PASSWORD)
    documents = [arrive(offices, number=str(n)) for n in range(1, 13)]

    def tab(clerk: Any) -> Callable[[], object]:
        def register_all() -> list[int]:
            mine = []
            for doc in documents:
                with contextlib.suppress(WrongState):  # the other was first: the page says so
                    mine.append(services.register_incoming(doc, clerk).pk)
            return mine

        return register_all

    done, failures = _at_once([tab(office.clerk), tab(other), tab(office.clerk), tab(other)])
    assert not failures, f"{connection.vendor}: {failures[:3]}"
    registered = [pk for tab_done in done for pk in tab_done]  # type: ignore[attr-defined]
    assert sorted(registered) == sorted(d.pk for d in documents)
    numbers = IncomingDocument.objects.filter(agency=office.agency).values_list(
        "arrival_number", flat=True
    )
    assert sorted(numbers) == list(range(1, 13))
    for doc in IncomingDocument.objects.filter(agency=office.agency):
        assert doc.events.filter(action="register").count() == 1
        assert [n.code for n in doc.notices.all()] == ["01", "03"]


@pytest.mark.django_db(transaction=True)
def test_clerks_issuing_at_the_same_moment_number_every_document_once(served_pki: Any) -> None:
    """Two clerks issuing the same four approved documents at once: each is issued once, with
    the outgoing numbers 01 … 04 of the year."""
    from lienthong.dms.agencies.services import create_user
    from lienthong.dms.outgoing import services
    from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState

    from .support import PASSWORD, host_offices
    from .test_outgoing import approved

    offices = host_offices(served_pki, hub_url="http://127.0.0.1:9", credentials={})
    office = offices.sender
    other = create_user("h25-clerk2", agency=office.agency, role="clerk", password=PASSWORD)
    documents = [approved(office) for _ in range(4)]

    def issue_all(clerk: Any) -> Callable[[], object]:
        def run() -> int:
            issued = 0
            for doc in documents:
                try:
                    services.issue(doc, clerk)
                    issued += 1
                except WrongState:
                    pass
            return issued

        return run

    done, failures = _at_once([issue_all(office.clerk), issue_all(other)])
    assert not failures, f"{connection.vendor}: {failures[:3]}"
    assert sum(done) == 4  # type: ignore[arg-type]
    issued = OutgoingDocument.objects.filter(agency=office.agency)
    assert sorted(d.number for d in issued) == [1, 2, 3, 4]
    assert {d.state for d in issued} <= {OutgoingState.ISSUED, OutgoingState.SENT}
    assert all(d.events.filter(action="issue").count() == 1 for d in issued)
