"""Daily contract housekeeping: expiry notices one month ahead (保养到期通知书) and expiry."""

from __future__ import annotations

import datetime

from aftersales.jobs.registry import periodic


@periodic(name="installed.contract_notices", every=datetime.timedelta(hours=1))
def contract_notices() -> dict[str, int]:
    from aftersales.installed.services import contracts_housekeeping

    return contracts_housekeeping()
