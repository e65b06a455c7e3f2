"""Reading dispatch plans: only those of branches the person dispatches for."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from aftersales.access.policy import Access
from aftersales.common.errors import NotFound
from aftersales.dispatch.models import DispatchPlan


def plans_visible(*, access: Access) -> QuerySet[DispatchPlan]:
    branches = access.branches_for("orders.dispatch")
    qs = DispatchPlan.objects.select_related("branch", "created_by", "decided_by")
    return qs if branches == "all" else qs.filter(branch_id__in=sorted(branches))


def plan_get(*, access: Access, plan_id: int) -> DispatchPlan:
    plan = plans_visible(access=access).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    return plan


SEARCH_PROGRESS = (30, 90)
"""The progress bar's span while the routing library searches (the service's steps set the rest)."""


def plan_progress(plan: DispatchPlan, *, now: dt.datetime | None = None) -> int:
    """Per cent done. The search runs to its time limit, so while it runs the bar moves with the
    clock from the search's start to its end instead of standing still for the whole limit."""
    low, high = SEARCH_PROGRESS
    if plan.state != DispatchPlan.State.RUNNING or plan.progress != low or plan.started_at is None:
        return plan.progress
    elapsed = ((now or timezone.now()) - plan.started_at).total_seconds()
    share = min(max(elapsed / max(plan.time_limit, 1), 0.0), 1.0)
    return low + round((high - low - 1) * share)
