from __future__ import annotations

import datetime

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aftersales.access.policy import access_for
from aftersales.audit.selectors import events_visible
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.org.selectors import branches_visible
from aftersales.web.decorators import page, wants_partial


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _filters(request: HttpRequest) -> dict[str, object]:
    g = request.GET
    actor, branch, sid = g.get("actor", ""), g.get("branch", ""), g.get("subject_id", "")
    return {
        "actor_id": int(actor) if actor.isdigit() else None,
        "branch_id": int(branch) if branch.isdigit() else None,
        "subject_type": g.get("subject_type", "")[:64],
        "subject_id": int(sid) if sid.isdigit() else None,
        "kind": g.get("kind", "")[:64],
        "since": _date(g.get("since", "")),
        "until": _date(g.get("until", "")),
    }


@page("audit.view")
def event_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _filters(request)
    qs = events_visible(access=access, before_id=parse_before(request), **filters)  # type: ignore[arg-type]
    context = {
        "page": keyset_page(qs, size=100),
        "filters": filters,
        "branches": branches_visible(access=access),
        "query": request.GET.urlencode(),
    }
    template = "audit/list.html#rows" if wants_partial(request) else "audit/list.html"
    return render(request, template, context)


@page("audit.view")
def event_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    qs = events_visible(access=access, **_filters(request))[:100_000]  # type: ignore[arg-type]
    rows = (
        [
            e.occurred_at,
            e.actor_name,
            e.branch.code if e.branch else "",
            e.subject_type,
            e.subject_label,
            e.kind,
            e.from_value,
            e.to_value,
            e.reason,
        ]
        for e in qs
    )
    return xlsx_response(
        filename="audit-trail.xlsx",
        sheet=_("Audit trail"),
        headers=[
            _("time"),
            _("by"),
            _("branch"),
            _("record type"),
            _("record"),
            _("event"),
            _("from"),
            _("to"),
            _("reason"),
        ],
        rows=rows,
    )
