"""Demo stocktakes (盘点) in the Shanghai branch warehouse: one posted last month, one counting now.

Runs only once the stock demo has made warehouses with stock; skipped otherwise."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.common.errors import DomainError
from aftersales.org.models import RoleAssignment, User
from aftersales.org.roles import Role
from aftersales.stock.models import Warehouse
from aftersales.stocktake.models import Stocktake
from aftersales.stocktake.services import (
    stocktake_approve,
    stocktake_count,
    stocktake_plan,
    stocktake_post,
    stocktake_start,
    stocktake_submit,
)


def _holder(role: str, branch_id: int) -> User | None:
    user_id = (
        RoleAssignment.objects.filter(role=role, branch_id=branch_id)
        .order_by("pk")
        .values_list("user_id", flat=True)
    ).first()
    return User.objects.filter(pk=user_id).first() if user_id else None


def load_stocktakes() -> dict[str, int]:
    warehouse = (
        Warehouse.objects.filter(branch__code="SH", kind=Warehouse.Kind.BRANCH, active=True)
        .order_by("pk")
        .first()
    )
    if warehouse is None or Stocktake.objects.filter(warehouse=warehouse).exists():
        return {"stocktakes": 0}
    keeper = _holder(Role.WAREHOUSE, warehouse.branch_id) or _holder(Role.MANAGER, warehouse.branch_id)
    approver = _holder(Role.MANAGER, warehouse.branch_id)
    if keeper is None or approver is None or keeper == approver:
        return {"stocktakes": 0}
    k, a = access_for(keeper), access_for(approver)
    try:
        with transaction.atomic():
            # Last month: every count as expected, approved and posted (nothing to adjust); dated back.
            last_month = timezone.now() - timedelta(days=30)
            old = stocktake_plan(
                warehouse_id=warehouse.pk, planned_for=last_month.date(), access=k, by=keeper
            )
            stocktake_start(stocktake_id=old.pk, access=k, by=keeper)
            for line in old.lines.all():
                stocktake_count(line_id=line.pk, counted=line.snapshot_quantity, access=k, by=keeper)
            stocktake_submit(stocktake_id=old.pk, access=k, by=keeper)
            stocktake_approve(stocktake_id=old.pk, access=a, by=approver)
            stocktake_post(stocktake_id=old.pk, access=a, by=approver)
            Stocktake.objects.filter(pk=old.pk).update(
                created_at=last_month,
                started_at=last_month,
                submitted_at=last_month,
                approved_at=last_month,
                posted_at=last_month,
            )
            # Now: counting, half the lines counted.
            now = stocktake_plan(warehouse_id=warehouse.pk, access=k, by=keeper)
            stocktake_start(stocktake_id=now.pk, access=k, by=keeper)
            lines = list(now.lines.order_by("pk"))
            for line in lines[: len(lines) // 2]:
                stocktake_count(line_id=line.pk, counted=line.snapshot_quantity, access=k, by=keeper)
    except DomainError:
        return {"stocktakes": 0}
    return {"stocktakes": 2}
