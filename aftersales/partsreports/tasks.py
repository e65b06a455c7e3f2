"""Slow-moving flags are recomputed every hour (a part issued again loses its flag within the hour)."""

from __future__ import annotations

import datetime

from aftersales.jobs.registry import periodic


@periodic(name="partsreports.slow_moving", every=datetime.timedelta(hours=1))
def slow_moving() -> dict[str, int]:
    from aftersales.partsreports.services import slow_moving_refresh

    return slow_moving_refresh()
