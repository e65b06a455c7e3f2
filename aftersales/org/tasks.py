from __future__ import annotations

import datetime

from aftersales.jobs.registry import periodic
from aftersales.org.services import login_failures_prune


@periodic(name="org.prune_login_failures", every=datetime.timedelta(hours=1))
def prune_login_failures() -> int:
    return login_failures_prune()
