"""The close-out cycle (补件收尾): a periodic, idempotent job."""

from __future__ import annotations

import datetime

from aftersales.jobs.registry import periodic


@periodic(name="supply.closeout", every=datetime.timedelta(hours=1))
def closeout() -> dict[str, int]:
    from aftersales.supply.services import closeout_run

    return closeout_run()
