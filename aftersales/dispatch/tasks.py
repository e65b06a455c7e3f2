"""The dispatch plan's background computation (Django Tasks; immediate in tests)."""

from __future__ import annotations

from django.tasks import task


@task()
def plan_compute_task(plan_id: int) -> str:
    from aftersales.dispatch.services import plan_compute

    return str(plan_compute(plan_id=plan_id).state)
