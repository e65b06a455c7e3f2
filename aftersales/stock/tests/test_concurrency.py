"""S9 — no negative stock under truly parallel requests (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from aftersales.access.policy import access_for
from aftersales.conftest import requires_postgres
from aftersales.stock.models import StockLevel, StockLot, StockMove
from aftersales.stock.services import InsufficientStock, stock_issue
from aftersales.stock.tests.conftest import Stock


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_s9_twenty_parallel_issues_of_one_on_ten_in_stock(stock: Stock) -> None:
    stock.receive(4, cost="80.00")
    stock.receive(6, cost="90.00", bin="B-02-3")
    keeper = stock.world.users["sh_warehouse"]
    access = access_for(keeper)
    barrier = threading.Barrier(20)
    done: list[int] = []
    refused: list[InsufficientStock] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            with translation.override("en"):
                barrier.wait()
                try:
                    result = stock_issue(
                        part_id=stock.part.pk,
                        warehouse_id=stock.sh.pk,
                        quantity=1,
                        order_id=stock.order.pk,
                        access=access,
                        by=keeper,
                    )
                    with lock:
                        done.append(result.moves[0].pk)
                except InsufficientStock as exc:
                    with lock:
                        refused.append(exc)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(done) == 10 and len(refused) == 10
    assert {exc.message for exc in refused} == {"insufficient stock: P-100 主轴编码器, asked 1, available 0"}
    level = StockLevel.objects.get(part=stock.part, warehouse=stock.sh)
    assert level.on_hand == 0
    assert (
        StockMove.objects.filter(part=stock.part, warehouse=stock.sh).aggregate(n=Sum("quantity"))["n"] == 0
    )
    assert StockMove.objects.filter(kind="issue").count() == 10
    assert not StockLot.objects.filter(on_hand__gt=0).exists()
