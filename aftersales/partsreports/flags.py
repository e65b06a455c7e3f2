"""The slow-moving rule (呆滞配件, scenario S8) as a pure function: no database, no clock."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from aftersales.common.dates import add_months

Flag = Literal["", "yellow", "red"]


def slow_moving_basis(*, last_issued_on: dt.date | None, first_received_on: dt.date | None) -> dt.date | None:
    """The day the clock counts from: the last issue, or the first receipt of a part never issued."""
    return last_issued_on or first_received_on


def slow_moving_flag(
    *,
    last_issued_on: dt.date | None,
    first_received_on: dt.date | None,
    today: dt.date,
    yellow_months: int,
    red_months: int,
) -> Flag:
    """``""``, ``"yellow"`` or ``"red"``: flagged from the day the months are complete.

    Last issued 2025-05-10 with 1 / 3 months: nothing on 2025-06-09, yellow from 2025-06-10, red
    from 2025-08-10. Month ends clamp (2025-01-31 + 1 month = 2025-02-28).
    """
    basis = slow_moving_basis(last_issued_on=last_issued_on, first_received_on=first_received_on)
    if basis is None:
        return ""
    if today >= add_months(basis, red_months):
        return "red"
    if today >= add_months(basis, yellow_months):
        return "yellow"
    return ""


def slow_moving_since(*, basis: dt.date, flag: Flag, yellow_months: int, red_months: int) -> dt.date | None:
    """The day the part got its current flag."""
    if flag == "red":
        return add_months(basis, red_months)
    if flag == "yellow":
        return add_months(basis, yellow_months)
    return None
