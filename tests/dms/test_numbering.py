"""Numbering: per register per year, from 01, no gap, no duplicate, even concurrently."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction

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
