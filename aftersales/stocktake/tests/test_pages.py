from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.conftest import World
from aftersales.stock.models import StockLevel
from aftersales.stocktake.models import Stocktake
from aftersales.stocktake.tests.conftest import Store


def _lang(client, lang: str):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = lang
    return client


def _start(world: World, store: Store) -> Stocktake:
    keeper = world.client("sh_warehouse")
    response = keeper.post("/stocktake/new/", {"warehouse": store.warehouse.pk, "start": "1"})
    assert response.status_code == 302
    return Stocktake.objects.latest("pk")


@pytest.mark.parametrize(("lang", "word"), [("zh-hans", 'lang="zh-hans"'), ("en", 'lang="en"')])
def test_the_list_flags_a_warehouse_not_counted_for_a_month(
    world: World, store: Store, lang: str, word: str
) -> None:
    Stocktake.objects.create(
        number="SH-ST-OLD",
        branch=world.sh,
        warehouse=store.warehouse,
        state="posted",
        planned_for=timezone.localdate() - timedelta(days=45),
        created_by=world.users["sh_warehouse"],
        started_at=timezone.now() - timedelta(days=45),
    )
    response = _lang(world.client("sh_manager"), lang).get("/stocktake/")
    html = response.content.decode()
    assert response.status_code == 200 and word in html
    assert 'data-warehouse="SH-W1" data-overdue="1"' in html
    recent = _start(world, store)
    Stocktake.objects.filter(pk=recent.pk).update(state="posted")
    html = world.client("sh_manager").get("/stocktake/").content.decode()
    assert 'data-warehouse="SH-W1" data-overdue="0"' in html


def test_count_on_a_phone_then_review_approve_and_post(world: World, store: Store) -> None:
    stocktake = _start(world, store)
    keeper = world.client("sh_warehouse")
    sheet = keeper.get(f"/stocktake/{stocktake.pk}/count/").content.decode()
    assert 'data-line="BRG-6205@A-01-1"' in sheet and 'inputmode="numeric"' in sheet
    assert ">10<" not in sheet  # blind: the system quantity is not on the sheet
    for line in stocktake.lines.all():
        counted = 9 if line.part.code == "BRG-6205" else 4
        response = keeper.post(
            f"/stocktake/{stocktake.pk}/lines/{line.pk}/count/", {"counted": counted}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200 and 'data-testid="count-saved"' in response.content.decode()
    bad = keeper.post(
        f"/stocktake/{stocktake.pk}/lines/{line.pk}/count/", {"counted": "x"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and 'data-testid="count-error"' in bad.content.decode()
    assert keeper.post(f"/stocktake/{stocktake.pk}/submit/").status_code == 302
    manager = _lang(world.client("sh_manager"), "en")
    review = manager.get(f"/stocktake/{stocktake.pk}/").content.decode()
    assert 'data-line="BRG-6205@A-01-1" data-difference="-1"' in review and "¥-12.50" in review
    assert 'data-action="approve"' in review
    assert 'data-action="approve"' not in keeper.get(f"/stocktake/{stocktake.pk}/").content.decode()
    manager.post(f"/stocktake/{stocktake.pk}/approve/")
    manager.post(f"/stocktake/{stocktake.pk}/post/")
    assert StockLevel.objects.get(part=store.part, warehouse=store.warehouse).on_hand == 9
    export = manager.get(f"/stocktake/{stocktake.pk}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0].values)
    assert rows[1][3] == "BRG-6205" and rows[1][10] == -1


def test_the_printable_count_sheet(world: World, store: Store) -> None:
    stocktake = _start(world, store)
    response = world.client("sh_warehouse").get(f"/stocktake/{stocktake.pk}/sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_outsiders_get_not_found(world: World, store: Store) -> None:
    stocktake = _start(world, store)
    hz = world.client("hz_supervisor")
    assert hz.get(f"/stocktake/{stocktake.pk}/").status_code == 404
    assert hz.get(f"/stocktake/{stocktake.pk}/sheet.pdf").status_code == 404
    line = stocktake.lines.earliest("pk")
    assert hz.post(f"/stocktake/{stocktake.pk}/lines/{line.pk}/count/", {"counted": 1}).status_code == 404
    assert world.client("sh_agent").get("/stocktake/").status_code == 404
