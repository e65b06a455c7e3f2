"""Keyset paging by descending id: ``?before=<id>``; no OFFSET, so page 10,000 costs what page 1 costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest


@dataclass
class Page[M: Model]:
    items: list[M]
    next_before: int | None
    size: int


def parse_before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() else None


def keyset_page[M: Model](qs: QuerySet[M], *, size: int = 50) -> Page[M]:
    """``qs`` must already be ordered by ``-id`` and filtered by ``before`` when given."""
    items = list(qs[: size + 1])
    more = len(items) > size
    items = items[:size]
    next_before: Any = items[-1].pk if more and items else None
    return Page(items=items, next_before=next_before, size=size)
