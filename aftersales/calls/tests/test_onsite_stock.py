"""Parts on the on-site report come from the technician's van: reserved with the report, issued when
the work is done, released when not fixed; a part the van does not hold is refused by name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import (
    PartUse,
    ReportData,
    order_complete,
    order_not_fixed,
    report_save,
    report_sign,
)
from aftersales.calls.tests.test_onsite_pages import SIGNATURE, assigned, post  # noqa: F401 (fixture)
from aftersales.calls.workflow import order_arrive
from aftersales.catalog.models import Part
from aftersales.common.errors import InvalidInput
from aftersales.conftest import World
from aftersales.stock.models import Bin, Reservation, StockLevel, StockMove, Warehouse
from aftersales.stock.services import reservation_return, stock_receive


@pytest.fixture
def van(world: World) -> tuple[Warehouse, Bin, Part]:
    van = Warehouse.objects.create(
        code="SH-VAN-1",
        name="车载库",
        branch=world.sh,
        kind=Warehouse.Kind.VAN,
        technician=world.users["sh_tech"],
    )
    Warehouse.objects.create(code="SH-W", name="上海仓", branch=world.sh, kind=Warehouse.Kind.BRANCH)
    bin = Bin.objects.create(warehouse=van, branch=world.sh, zone="VAN", code="VAN")
    part = Part.objects.create(code="P-ENC", name="主轴编码器", cost=Decimal("800"), price=Decimal("1200"))
    admin = world.users["hq_admin"]
    stock_receive(
        part_id=part.pk,
        warehouse_id=van.pk,
        bin_id=bin.pk,
        quantity_passed=2,
        unit_cost=Decimal("800"),
        access=access_for(admin),
        by=admin,
    )
    return van, bin, part


def level(van: Warehouse, part: Part) -> StockLevel:
    return StockLevel.objects.get(warehouse=van, part=part)


def on_site(world: World, order: ServiceOrder) -> None:
    tech = world.users["sh_tech"]
    order_arrive(order_id=order.pk, access=access_for(tech), by=tech)


def report(world: World, order: ServiceOrder, part: Part, quantity: int, who: str = "sh_tech") -> None:
    user = world.users[who]
    report_save(
        order_id=order.pk,
        data=ReportData(
            cause="编码器损坏", solution="更换", parts=[PartUse(part_id=part.pk, quantity=quantity)]
        ),
        access=access_for(user),
        by=user,
    )


def test_reserved_with_the_report_issued_when_done_and_returned(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    van: tuple[Warehouse, Bin, Part],
) -> None:
    wh, bin, part = van
    tech = world.users["sh_tech"]
    on_site(world, assigned)
    report(world, assigned, part, 1)
    assert (level(wh, part).on_hand, level(wh, part).reserved) == (2, 1)
    report(world, assigned, part, 2, who="sh_supervisor")  # the supervisor corrects it: still the van
    assert (level(wh, part).on_hand, level(wh, part).reserved) == (2, 2)
    assert Reservation.objects.filter(order=assigned, state="reserved").count() == 1
    report_sign(
        order_id=assigned.pk,
        signed_by="李",
        signature=SIGNATURE,
        opinion="satisfied",
        access=access_for(tech),
        by=tech,
    )
    order_complete(order_id=assigned.pk, access=access_for(tech), by=tech)
    assert (level(wh, part).on_hand, level(wh, part).reserved) == (0, 0)
    issue = StockMove.objects.get(order=assigned, kind="issue")
    assert issue.quantity == -2 and issue.unit_cost == Decimal("800.00")
    consumed = Reservation.objects.get(order=assigned, state="consumed")
    reservation_return(
        reservation_id=consumed.pk, reason="备件未使用", bin_id=bin.pk, access=access_for(tech), by=tech
    )
    assert level(wh, part).on_hand == 2
    assert sum(StockMove.objects.filter(warehouse=wh, part=part).values_list("quantity", flat=True)) == 2


def test_a_part_the_van_lacks_is_refused_by_name_and_nothing_is_saved(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    van: tuple[Warehouse, Bin, Part],
) -> None:
    wh, _bin, part = van
    on_site(world, assigned)
    with pytest.raises(InvalidInput) as refused:
        report(world, assigned, part, 3)
    assert "P-ENC" in refused.value.message and "3" in refused.value.message and "2" in refused.value.message
    assert (
        not hasattr(ServiceOrder.objects.get(pk=assigned.pk), "report") or not assigned.report.parts.exists()
    )
    assert level(wh, part).reserved == 0
    response = post(
        world,
        assigned,
        action="report",
        cause="x",
        solution="y",
        part_id=[str(part.pk)],
        quantity=["3"],
        old_part=["return"],
    )
    assert response.status_code == 400 and "P-ENC" in response.content.decode()


def test_not_fixed_releases_the_parts(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    van: tuple[Warehouse, Bin, Part],
) -> None:
    wh, _bin, part = van
    tech = world.users["sh_tech"]
    on_site(world, assigned)
    report(world, assigned, part, 1)
    order_not_fixed(
        order_id=assigned.pk, next_step="take_back", reason="需返厂", access=access_for(tech), by=tech
    )
    assert (level(wh, part).on_hand, level(wh, part).reserved) == (2, 0)
    assert Reservation.objects.get(order=assigned).state == "released"


def test_a_branch_without_stock_records_parts_on_the_report_only(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    part = Part.objects.create(code="P-X", name="x", cost=Decimal("1"), price=Decimal("2"))
    on_site(world, assigned)
    report(world, assigned, part, 5)
    assert assigned.report.parts.get().quantity == 5 and not Reservation.objects.exists()
