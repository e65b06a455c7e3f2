"""Allocate human numbers such as ``SH-SO-2026-000123``.

Numbers are unique per kind, branch and year. Allocation runs in the caller's transaction: the
sequence row is incremented with an ``F()`` update, which holds its row lock until commit, so
parallel creators queue on that row and never receive the same number. A rolled-back transaction
gives its number back (the trail may still show gaps after deletions: numbers are gap-tolerant).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.common.models import NumberFormat, NumberSequence
from aftersales.org.models import Branch

DEFAULT_PREFIXES: dict[str, str] = {
    "customer": "CU",
    "call": "SC",
    "order": "SO",
    "rma": "RMA",
    "return": "RT",
    "parts_request": "PR",
    "complaint": "CP",
    "quote": "QT",
    "invoice": "IV",
    "payment": "RC",
    "contract": "CT",
    "writeoff": "WO",
    "stock_loan": "LN",
    "stocktake": "ST",
    "supply_order": "PO",
    "parts_shipment": "PS",
}


def number_format_for(kind: str) -> NumberFormat:
    fmt = NumberFormat.objects.filter(kind=kind).first()
    if fmt is None:
        prefix = DEFAULT_PREFIXES.get(kind, kind[:4].upper())
        fmt = NumberFormat(kind=kind, prefix=prefix)
    return fmt


def number_next(*, kind: str, branch: Branch, at: datetime.datetime | None = None) -> str:
    """Return the next number of ``kind`` for ``branch`` in the year of ``at`` (branch time)."""
    when = timezone.localtime(at or timezone.now(), branch.tzinfo)
    year = when.year
    with transaction.atomic():
        NumberSequence.objects.bulk_create(
            [NumberSequence(kind=kind, branch=branch, year=year, last_value=0)], ignore_conflicts=True
        )
        rows = NumberSequence.objects.filter(kind=kind, branch=branch, year=year)
        rows.update(last_value=F("last_value") + 1)
        seq = rows.values_list("last_value", flat=True).get()
    fmt = number_format_for(kind)
    return fmt.pattern.format(branch=branch.code, prefix=fmt.prefix, year=year, seq=seq)
