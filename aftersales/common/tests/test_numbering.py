from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, transaction

from aftersales.common.models import NumberFormat
from aftersales.common.numbering import number_next
from aftersales.conftest import requires_postgres
from aftersales.org.models import Branch


@pytest.fixture
def branches(db: None) -> tuple[Branch, Branch]:
    return Branch.objects.create(code="SH", name="上海"), Branch.objects.create(code="HZ", name="杭州")


def test_numbers_count_per_kind_branch_and_year(branches: tuple[Branch, Branch]) -> None:
    sh, hz = branches
    at = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    assert number_next(kind="order", branch=sh, at=at) == "SH-SO-2026-000001"
    assert number_next(kind="order", branch=sh, at=at) == "SH-SO-2026-000002"
    assert number_next(kind="order", branch=hz, at=at) == "HZ-SO-2026-000001"
    assert number_next(kind="call", branch=sh, at=at) == "SH-SC-2026-000001"
    next_year = datetime.datetime(2027, 1, 1, 1, tzinfo=datetime.UTC)
    assert number_next(kind="order", branch=sh, at=next_year) == "SH-SO-2027-000001"


def test_the_year_follows_the_branch_time_zone(branches: tuple[Branch, Branch]) -> None:
    sh, _hz = branches
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Shanghai.
    assert number_next(
        kind="order", branch=sh, at=datetime.datetime(2026, 12, 31, 17, tzinfo=datetime.UTC)
    ).startswith("SH-SO-2027-")


def test_prefix_and_pattern_are_configurable(branches: tuple[Branch, Branch]) -> None:
    sh, _hz = branches
    NumberFormat.objects.create(kind="order", prefix="WO", pattern="{prefix}{year}{branch}{seq:05d}")
    assert (
        number_next(kind="order", branch=sh, at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
        == "WO2026SH00001"
    )


def test_a_rolled_back_creation_gives_its_number_back(branches: tuple[Branch, Branch]) -> None:
    sh, _hz = branches
    at = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    with pytest.raises(RuntimeError), transaction.atomic():
        number_next(kind="order", branch=sh, at=at)
        raise RuntimeError
    assert number_next(kind="order", branch=sh, at=at) == "SH-SO-2026-000001"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_under_parallel_creation() -> None:
    sh = Branch.objects.create(code="SH", name="上海")
    at = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    number = number_next(kind="order", branch=sh, at=at)
                with lock:
                    results.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 160
    assert len(set(results)) == 160
    assert sorted(results) == [f"SH-SO-2026-{i:06d}" for i in range(1, 161)]
