"""Scenario S8 on the pure rule: flagged from the day the months are complete."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.partsreports.flags import slow_moving_flag, slow_moving_since

D = dt.date


def flag(last: dt.date | None, first: dt.date | None, today: dt.date) -> str:
    return slow_moving_flag(
        last_issued_on=last, first_received_on=first, today=today, yellow_months=1, red_months=3
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [(D(2025, 6, 9), ""), (D(2025, 6, 10), "yellow"), (D(2025, 8, 9), "yellow"), (D(2025, 8, 10), "red")],
)
def test_s8_a_part_last_issued_on_may_10(today: dt.date, expected: str) -> None:
    assert flag(D(2025, 5, 10), D(2024, 1, 1), today) == expected


def test_s8_a_part_never_issued_counts_from_its_first_receipt() -> None:
    assert flag(None, D(2025, 1, 2), D(2025, 4, 1)) == "yellow"
    assert flag(None, D(2025, 1, 2), D(2025, 4, 2)) == "red"


def test_month_ends_clamp() -> None:
    assert flag(D(2025, 1, 31), None, D(2025, 2, 27)) == ""
    assert flag(D(2025, 1, 31), None, D(2025, 2, 28)) == "yellow"
    assert flag(D(2024, 1, 31), None, D(2024, 2, 29)) == "yellow"  # leap year
    assert flag(D(2024, 11, 30), None, D(2025, 2, 28)) == "red"  # Nov 30 + 3 months = Feb 28
    assert slow_moving_since(basis=D(2025, 1, 31), flag="yellow", yellow_months=1, red_months=3) == D(
        2025, 2, 28
    )


def test_nothing_to_count_from_means_no_flag_and_months_are_data() -> None:
    assert flag(None, None, D(2030, 1, 1)) == ""
    assert (
        slow_moving_flag(
            last_issued_on=D(2025, 5, 10),
            first_received_on=None,
            today=D(2025, 7, 10),
            yellow_months=2,
            red_months=6,
        )
        == "yellow"
    )
