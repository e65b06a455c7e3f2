from __future__ import annotations

import datetime

from django.tasks import task

from aftersales.jobs.registry import periodic


@periodic(name="sla.sweep", every=datetime.timedelta(minutes=1))
def sla_sweep() -> dict[str, int]:
    from aftersales.sla.sweeper import sweep

    result = sweep()
    return {
        "clocks": result.clocks,
        "warned": result.warned,
        "breached": result.breached,
        "escalated": result.escalated,
    }


@task()
def sla_recompute(branch_ids: list[int] | None = None) -> int:
    from aftersales.sla.services import clocks_recompute

    return clocks_recompute(branch_ids=branch_ids)
