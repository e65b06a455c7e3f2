"""Demo spare-parts stock: a head-office warehouse and finished goods, one warehouse per branch, a van
per demo technician, bins; the 30 demo parts received over the last months at realistic costs, issues
spread so that some parts are slow-moving (yellow / red), a pending write-off and an open loan."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part
from aftersales.org.models import Branch, User
from aftersales.org.roles import Role
from aftersales.stock.models import Bin, Warehouse
from aftersales.stock.services import (
    stock_issue,
    stock_loan_out,
    stock_receive,
    stock_transfer,
    writeoff_request,
)

BINS = ["A-01-1", "A-01-2", "A-02-1", "B-01-1", "B-02-3", "C-01-1"]


def _bins(warehouse: Warehouse, codes: list[str]) -> list[Bin]:
    out = []
    for code in codes:
        zone, *rest = code.split("-")
        out.append(
            Bin.objects.create(
                warehouse=warehouse,
                branch_id=warehouse.branch_id,
                zone=zone,
                shelf=rest[0] if rest else "",
                level=rest[1] if len(rest) > 1 else "",
                code=code,
            )
        )
    return out


def load_stock() -> dict[str, int]:
    if Warehouse.objects.exists():
        return {"warehouses": 0}
    admin = User.objects.filter(username="admin").first()
    parts = list(Part.objects.filter(active=True).order_by("code")[:30])
    if admin is None or not parts:
        return {"warehouses": 0}
    access = access_for(admin)
    rng = random.Random(20261123)
    now = timezone.now()
    # Every third part is a common part with a reorder point (never out of stock is the goal).
    for i, part in enumerate(parts):
        if i % 3 == 0:
            Part.objects.filter(pk=part.pk).update(is_common=True, reorder_point=rng.choice([10, 20, 30, 40]))
    warehouses: dict[str, Warehouse] = {}
    bins: dict[str, list[Bin]] = {}
    for branch in Branch.objects.filter(active=True).order_by("code"):
        kind = Warehouse.Kind.HEAD_OFFICE if branch.is_head_office else Warehouse.Kind.BRANCH
        w = Warehouse.objects.create(
            code=f"{branch.code}-WH", name=f"{branch.name}配件库", branch=branch, kind=kind
        )
        warehouses[branch.code], bins[branch.code] = w, _bins(w, BINS if branch.is_head_office else BINS[:4])
    hq = Branch.objects.filter(is_head_office=True).first()
    if hq is not None:
        fg = Warehouse.objects.create(
            code="HQ-FG", name="成品库", branch=hq, kind=Warehouse.Kind.FINISHED_GOODS
        )
        warehouses["FG"], bins["FG"] = fg, _bins(fg, ["F-01-1"])
    vans = 0
    technicians = User.objects.filter(
        is_active=True, role_assignments__role=Role.TECHNICIAN, role_assignments__branch__is_head_office=False
    ).distinct()
    for tech in technicians.order_by("username"):
        branch_id = (
            tech.role_assignments.filter(role=Role.TECHNICIAN).values_list("branch_id", flat=True).first()
        )
        if branch_id is None:
            continue
        van = Warehouse.objects.create(
            code=f"VAN-{tech.username}"[:32],
            name=f"{tech.display_name} 车载库",
            branch_id=branch_id,
            kind=Warehouse.Kind.VAN,
            technician=tech,
        )
        _bins(van, ["VAN"])
        vans += 1
    # Receipts over the last eight months: older lots first, costs around the master cost.
    for i, part in enumerate(parts):
        for code, w in warehouses.items():
            if code == "FG" and i % 5:
                continue
            for k in range(2 if code in ("HQ", "SH") else 1):
                days = rng.randint(120, 240) if k == 0 else rng.randint(20, 110)
                cost = (part.cost * Decimal(rng.uniform(0.92, 1.08))).quantize(Decimal("0.01"))
                stock_receive(
                    part_id=part.pk,
                    warehouse_id=w.pk,
                    bin_id=rng.choice(bins[code]).pk,
                    quantity_passed=rng.randint(4, 30),
                    quantity_rejected=1 if rng.random() < 0.1 else 0,
                    unit_cost=max(cost, Decimal("0.01")),
                    received_at=now - dt.timedelta(days=days),
                    reference=f"供应商送货单 {rng.randint(1000, 9999)}",
                    access=access,
                    by=admin,
                )
    # The parts on the service history's reports were issued from the branch's warehouse to their
    # orders when the work was done (the monthly parts analysis reads these).
    from aftersales.calls.models import ReportPart
    from aftersales.common.errors import DomainError

    used = ReportPart.objects.filter(
        report__order__completed_at__isnull=False, report__order__branch__code__in=list(warehouses)
    ).select_related("report__order__branch")
    for line in used.order_by("report__order__completed_at", "pk"):
        order = line.report.order
        try:
            stock_issue(
                part_id=line.part_id,
                warehouse_id=warehouses[order.branch.code].pk,
                quantity=line.quantity,
                order_id=order.pk,
                reason="维修领用",
                at=order.completed_at,
                access=access,
                by=admin,
            )
        except DomainError:  # not enough left in that warehouse: the history used more than came in
            continue
    # Issues: a third of the parts moved recently, a third 1–3 months ago (yellow), the rest not
    # since they came (red).
    for i, part in enumerate(parts):
        for code in ("HQ", "SH", "HZ"):
            if code not in warehouses or i % 3 == 2:
                continue
            w = warehouses[code]
            ago = rng.randint(2, 20) if i % 3 == 0 else rng.randint(40, 85)
            stock_issue(
                part_id=part.pk,
                warehouse_id=w.pk,
                quantity=rng.randint(1, 3),
                reason="维修领用",
                at=now - dt.timedelta(days=ago),
                access=access,
                by=admin,
            )
    made = {"warehouses": len(warehouses) + vans, "parts_in_stock": len(parts)}
    sh_van = Warehouse.objects.filter(kind=Warehouse.Kind.VAN, branch__code="SH").order_by("code").first()
    if sh_van is not None and "SH" in warehouses:
        for part in parts[:5]:
            stock_transfer(
                part_id=part.pk,
                from_warehouse_id=warehouses["SH"].pk,
                to_warehouse_id=sh_van.pk,
                quantity=2,
                reason="车载常备件",
                access=access,
                by=admin,
            )
    keeper = User.objects.filter(username="warehouse").first()
    if keeper is not None and "SH" in warehouses:
        writeoff_request(
            part_id=parts[1].pk,
            warehouse_id=warehouses["SH"].pk,
            quantity=1,
            reason="搬运时跌落，外壳破裂",
            disposition="damaged",
            access=access_for(keeper),
            by=keeper,
        )
        made["writeoffs"] = 1
    if "FG" in warehouses:
        stock_loan_out(
            part_id=parts[0].pk,
            warehouse_id=warehouses["FG"].pk,
            quantity=1,
            borrower="上海申达机械（补件生产周期超 15 天，先借成品）",
            reason="补件生产周期超过 15 天",
            due_on=(now + dt.timedelta(days=12)).date(),
            access=access,
            by=admin,
        )
        made["loans"] = 1
    return made
