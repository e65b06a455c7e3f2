from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aftersales.access.policy import access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.common.errors import NotFound
from aftersales.common.excel import xlsx_response
from aftersales.org.roles import Role
from aftersales.org.selectors import branches_visible, people_visible
from aftersales.web.decorators import page, wants_partial


def _filters(request: HttpRequest) -> dict[str, object]:
    branch = request.GET.get("branch", "")
    role = request.GET.get("role", "")
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "branch_id": int(branch) if branch.isdigit() else None,
        "role": role if role in Role.values else "",
    }


@page("people.view")
def people_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _filters(request)
    people = list(people_visible(access=access, **filters)[:500])  # type: ignore[arg-type]
    context = {
        "people": people,
        "filters": filters,
        "branches": branches_visible(access=access),
        "roles": Role.choices,
        "query": request.GET.urlencode(),
    }
    template = "org/people.html#rows" if wants_partial(request) else "org/people.html"
    return render(request, template, context)


@page("people.view")
def people_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    people = people_visible(access=access, **_filters(request))  # type: ignore[arg-type]
    rows = (
        [
            p.username,
            p.display_name,
            p.employee_no,
            p.phone,
            p.email,
            p.home_branch.name if p.home_branch else "",
            "; ".join(f"{a.get_role_display()}@{a.branch.code}" for a in p.role_assignments.all()),
        ]
        for p in people
    )
    return xlsx_response(
        filename="people.xlsx",
        sheet=_("People"),
        headers=[
            _("username"),
            _("name"),
            _("employee number"),
            _("phone"),
            _("e-mail"),
            _("home branch"),
            _("roles"),
        ],
        rows=rows,
    )


@page("people.view")
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    person = people_visible(access=access).filter(pk=pk).first()
    if person is None:
        raise NotFound()
    certs = person.certifications.select_related("product_line")
    return render(
        request,
        "org/person.html",
        {
            "person": person,
            "certifications": certs,
            "events": events_for_subject(subject=person),
            "can_audit": access.can("audit.view"),
        },
    )
