"""Pick the most specific of several scoped rows (default < branch < zone < product line < customer)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Field on the row → weight; a row applies only if each of its set fields equals the context.
WEIGHTS: Mapping[str, int] = {"customer_id": 16, "product_line_id": 8, "zone_id": 4, "branch_id": 2}


def most_specific[T](
    rows: Iterable[T], context: Mapping[str, Any], weights: Mapping[str, int] = WEIGHTS
) -> T | None:
    best: T | None = None
    best_key: tuple[int, int] = (-1, 0)
    for row in rows:
        score = 0
        for field, weight in weights.items():
            mine = getattr(row, field, None)
            if mine is None:
                continue
            if mine != context.get(field):
                score = -1
                break
            score += weight
        if score < 0:
            continue
        key = (score, -int(getattr(row, "pk", 0) or 0))
        if key > best_key:
            best, best_key = row, key
    return best
