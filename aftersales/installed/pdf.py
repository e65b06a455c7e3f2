"""The service record of a unit (服务凭证, form 服表001) as a printable A4 PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from aftersales.audit.labels import event_label
from aftersales.common.pdf import render_pdf
from aftersales.installed.models import Unit
from aftersales.installed.selectors import unit_history
from aftersales.installed.services import warranty_status


@dataclass(frozen=True)
class HistoryLine:
    occurred_at: dt.datetime
    label: str
    details: str
    actor: str


def _details(data: dict[str, object], from_value: str, to_value: str, reason: str) -> str:
    parts = []
    if from_value or to_value:
        parts.append(f"{from_value or '—'} → {to_value or '—'}")
    changes = data.get("changes") if isinstance(data, dict) else None
    if isinstance(changes, dict):
        parts.extend(
            f"{k}: {v[0] if v[0] not in (None, '') else '—'} → {v[1] if v[1] not in (None, '') else '—'}"
            for k, v in changes.items()
            if isinstance(v, list | tuple) and len(v) == 2
        )
    if reason:
        parts.append(reason)
    return "; ".join(parts)


def service_record_pdf(*, unit: Unit) -> bytes:
    """Call only after the caller was allowed to see ``unit``."""
    events = [
        HistoryLine(
            occurred_at=timezone.localtime(e.occurred_at),
            label=event_label(e.kind),
            details=_details(e.data or {}, str(e.from_value or ""), str(e.to_value or ""), e.reason),
            actor=e.actor_name or "",
        )
        for e in reversed(unit_history(unit=unit))
    ]
    today = timezone.localdate()
    return render_pdf(
        "pdf/service_record.html",
        {
            "unit": unit,
            "events": events,
            "status": warranty_status(unit, today),
            "printed_at": timezone.localtime(),
        },
    )
