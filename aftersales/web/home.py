"""The home page per role ("my work"): each capability registers what waits for which role."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.access.policy import Access
from aftersales.audit.labels import event_label
from aftersales.org.models import Certification, RoleAssignment, User
from aftersales.org.roles import Role


@dataclass
class WorkItem:
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""
    tone: str = "secondary"


@dataclass
class Panel:
    key: str
    title: str
    items: list[WorkItem] = field(default_factory=list)
    empty: str = ""
    link: str = ""
    link_label: str = ""
    count: int | None = None


Provider = Callable[[User, Access], Panel | None]
_PROVIDERS: dict[str, list[Provider]] = {}

ROLE_INTRO = {
    Role.ADMIN: gettext_lazy("Master data, people and access, system health."),
    Role.AGENT: gettext_lazy("Register calls, look up customers and units, answer customers."),
    Role.SUPERVISOR: gettext_lazy("Dispatch technicians, inspect repairs, watch the branch's deadlines."),
    Role.MANAGER: gettext_lazy("Sign off the branch's reports, handle escalations."),
    Role.TECHNICIAN: gettext_lazy("Your assigned work, your certifications, your reports."),
    Role.WAREHOUSE: gettext_lazy("Spare parts stock, issues, receipts and stocktakes."),
    Role.ACCOUNTANT: gettext_lazy("Invoices to issue and payments received."),
    Role.QUALITY: gettext_lazy("Inspections of returns and repairs, nonconformance."),
    Role.QUALITY_MANAGER: gettext_lazy("Complaints, corrective actions, return approvals."),
    Role.ASSESSOR: gettext_lazy("Monthly assessment of technicians."),
    Role.EXECUTIVE: gettext_lazy("Approvals waiting for you and the KPIs of every branch."),
    Role.CUSTOMER: gettext_lazy("Your equipment, your service requests and their progress."),
    Role.DEALER: gettext_lazy("Your customers and the requests you made for them."),
}


def register(role: str) -> Callable[[Provider], Provider]:
    def decorator(fn: Provider) -> Provider:
        _PROVIDERS.setdefault(role, []).append(fn)
        return fn

    return decorator


def home_context(user: Any, access: Access) -> dict[str, Any]:
    roles = [r for r in Role if r in access.roles] or ([Role.ADMIN] if access.is_superuser else [])
    sections = []
    for role in roles:
        panels = [p for fn in _PROVIDERS.get(role, []) if (p := fn(user, access)) is not None]
        sections.append(
            {"role": role, "label": role.label, "intro": ROLE_INTRO.get(role, ""), "panels": panels}
        )
    grants = sorted(
        RoleAssignment.objects.filter(user_id=user.pk).select_related("branch"),
        key=lambda g: (g.branch.code, g.role),
    )
    return {"sections": sections, "grants": grants}


# --- providers of the foundation ---------------------------------------------------------------


@register(Role.ADMIN)
def _admin_people_without_roles(user: User, access: Access) -> Panel:
    people = list(User.objects.filter(is_active=True, role_assignments__isnull=True, is_superuser=False)[:10])
    return Panel(
        key="people_without_roles",
        title=_("People without a role"),
        items=[
            WorkItem(title=str(p), detail=p.username, url=reverse("org:person", args=[p.pk])) for p in people
        ],
        empty=_("Everyone has a role."),
        link=reverse("org:people"),
        link_label=_("All people"),
    )


def _expiring_certifications(access: Access, *, own_user_id: int | None) -> list[Certification]:
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    qs = Certification.objects.filter(expires_on__isnull=False, expires_on__lte=soon).select_related(
        "user", "product_line"
    )
    if own_user_id is not None:
        qs = qs.filter(user_id=own_user_id)
    else:
        visible = access.branches_for("people.view")
        if visible != "all":
            qs = qs.filter(user__role_assignments__branch_id__in=sorted(visible)).distinct()
    return list(qs.order_by("expires_on")[:10])


def _cert_item(cert: Certification, *, show_person: bool) -> WorkItem:
    today = timezone.localdate()
    expired = cert.expires_on is not None and cert.expires_on < today
    title = f"{cert.user} · {cert.product_line}" if show_person else str(cert.product_line)
    return WorkItem(
        title=title,
        detail=_("expires %(d)s") % {"d": cert.expires_on},
        url=reverse("org:person", args=[cert.user_id]),
        badge=_("expired") if expired else _("expiring"),
        tone="danger" if expired else "warning",
    )


@register(Role.SUPERVISOR)
@register(Role.MANAGER)
def _team_certifications(user: User, access: Access) -> Panel:
    certs = _expiring_certifications(access, own_user_id=None)
    return Panel(
        key="team_certifications",
        title=_("Certifications expiring within 30 days"),
        items=[_cert_item(c, show_person=True) for c in certs],
        empty=_("No certification of your team expires within 30 days."),
        link=reverse("org:people") + "?role=technician",
        link_label=_("Technicians"),
    )


@register(Role.TECHNICIAN)
def _my_certifications(user: User, access: Access) -> Panel:
    certs = list(Certification.objects.filter(user_id=user.pk).select_related("product_line", "user"))
    today = timezone.localdate()
    items = []
    for cert in certs:
        valid = cert.valid_on(today)
        items.append(
            WorkItem(
                title=str(cert.product_line),
                detail=_("valid until %(d)s") % {"d": cert.expires_on or "—"},
                badge=_("valid") if valid else _("expired"),
                tone="success" if valid else "danger",
            )
        )
    return Panel(
        key="my_certifications",
        title=_("My certifications"),
        items=items,
        empty=_("You hold no product-line certification yet: you cannot be dispatched."),
    )


@register(Role.AGENT)
@register(Role.SUPERVISOR)
@register(Role.MANAGER)
def _recent_customers(user: User, access: Access) -> Panel:
    from aftersales.customers.selectors import customers_visible

    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    qs = customers_visible(access=access)
    recent = list(qs.filter(created_at__gte=today_start - datetime.timedelta(days=7)).order_by("-id")[:8])
    return Panel(
        key="recent_customers",
        title=_("Customers registered in the last 7 days"),
        items=[
            WorkItem(title=c.name, detail=c.number, url=reverse("customers:detail", args=[c.pk]))
            for c in recent
        ],
        empty=_("No new customers in the last 7 days."),
        link=reverse("customers:list"),
        link_label=_("All customers"),
    )


@register(Role.EXECUTIVE)
@register(Role.ASSESSOR)
@register(Role.QUALITY_MANAGER)
@register(Role.SUPERVISOR)
@register(Role.MANAGER)
@register(Role.ADMIN)
def _recent_events(user: User, access: Access) -> Panel:
    from aftersales.audit.selectors import events_visible

    events = list(events_visible(access=access).exclude(Q(kind="signed_in") | Q(kind="login_failed"))[:8])
    return Panel(
        key="recent_events",
        title=_("Latest changes"),
        items=[
            WorkItem(
                title=f"{e.subject_label} · {event_label(e.kind)}",
                detail=f"{timezone.localtime(e.occurred_at):%m-%d %H:%M} {e.actor_name}",
            )
            for e in events
        ],
        empty=_("Nothing has changed yet."),
        link=reverse("audit:list"),
        link_label=_("Audit trail"),
    )


@register(Role.CUSTOMER)
def _my_company(user: User, access: Access) -> Panel:
    from aftersales.customers.selectors import customers_visible

    customers = list(customers_visible(access=access)[:1])
    return Panel(
        key="my_company",
        title=_("Your company"),
        items=[
            WorkItem(title=c.name, detail=c.number, url=reverse("customers:detail", args=[c.pk]))
            for c in customers
        ],
        empty=_("Your sign-in is not linked to a customer yet; call the service hotline."),
    )


@register(Role.DEALER)
def _my_customers(user: User, access: Access) -> Panel:
    from aftersales.customers.selectors import customers_visible

    qs = customers_visible(access=access)
    customers = list(qs[:10])
    return Panel(
        key="my_customers",
        title=_("Your customers"),
        items=[
            WorkItem(title=c.name, detail=c.number, url=reverse("customers:detail", args=[c.pk]))
            for c in customers
        ],
        empty=_("No customers are linked to you yet."),
        link=reverse("customers:list"),
        link_label=_("All your customers"),
        count=qs.count(),
    )


# --- service-level clocks ----------------------------------------------------------------------


def _clock_item(clock: Any, *, show_person: bool = True) -> WorkItem:
    from aftersales.sla.selectors import countdown
    from aftersales.sla.templatetags.sla import countdown_text, countdown_tone, in_branch_time, local_name

    cd = countdown(clock)
    due = in_branch_time(clock.due_at, clock.branch)
    detail = _("due %(when)s") % {"when": f"{due:%m-%d %H:%M}" if due else "—"}
    if show_person:
        who = clock.responsible.display_name if clock.responsible else _("nobody")
        detail += f" · {clock.branch.code} · {who}"
    return WorkItem(
        title=f"{local_name(clock.policy)} · {clock.subject_label}",
        detail=detail,
        url=clock.subject_url or reverse("sla:clocks"),
        badge=countdown_text(cd),
        tone=countdown_tone(cd),
    )


def _due_soon_condition(access: Access, now: datetime.datetime, hours: int) -> Q:
    """Due before ``hours`` working hours from now, in each branch's own calendar."""
    from aftersales.org.models import Branch
    from aftersales.sla.calendar import calendar_for
    from aftersales.sla.engine import CalendarDataMissing, add_working

    visible = access.branches_for("sla.view")
    branches = Branch.objects.filter(active=True)
    if visible != "all":
        branches = branches.filter(pk__in=sorted(visible))
    condition = Q(pk__in=[])
    for branch in branches:
        try:
            until = add_working(calendar_for(branch).calendar, now, datetime.timedelta(hours=hours))
        except CalendarDataMissing:
            continue
        condition |= Q(branch_id=branch.pk, due_at__lt=until)
    return condition


@register(Role.SUPERVISOR)
@register(Role.MANAGER)
def _branch_overdue_clocks(user: User, access: Access) -> Panel:
    from aftersales.sla.selectors import clocks_search

    qs = clocks_search(access=access, overdue=True)
    clocks = list(qs.order_by("due_at", "pk")[:8])
    return Panel(
        key="overdue_clocks",
        title=_("Overdue deadlines"),
        items=[_clock_item(c) for c in clocks],
        empty=_("Nothing is overdue."),
        link=reverse("sla:clocks") + "?due=overdue",
        link_label=_("All overdue"),
        count=qs.count() if len(clocks) == 8 else len(clocks),
    )


@register(Role.SUPERVISOR)
@register(Role.MANAGER)
def _branch_clocks_due_soon(user: User, access: Access) -> Panel:
    from aftersales.sla.selectors import clocks_search

    now = timezone.now()
    qs = (
        clocks_search(access=access, state="open", now=now)
        .filter(due_at__gte=now)
        .exclude(state="paused")
        .filter(_due_soon_condition(access, now, 2))
    )
    clocks = list(qs.order_by("due_at", "pk")[:8])
    return Panel(
        key="clocks_due_soon",
        title=_("Due within 2 working hours"),
        items=[_clock_item(c) for c in clocks],
        empty=_("No deadline falls within the next 2 working hours."),
        link=reverse("sla:clocks") + "?due=24h",
        link_label=_("Due within 24 h"),
        count=len(clocks),
    )


@register(Role.TECHNICIAN)
def _my_open_clocks(user: User, access: Access) -> Panel:
    from aftersales.sla.selectors import clocks_search

    qs = clocks_search(access=access, state="open", responsible_id=user.pk)
    clocks = list(qs.order_by("due_at", "pk")[:10])
    return Panel(
        key="my_clocks",
        title=_("My open deadlines"),
        items=[_clock_item(c, show_person=False) for c in clocks],
        empty=_("No deadline is running on your work."),
        link=reverse("sla:clocks"),
        link_label=_("All my deadlines"),
        count=len(clocks),
    )


# --- service orders ----------------------------------------------------------------------------


@register(Role.TECHNICIAN)
def _my_orders_today(user: User, access: Access) -> Panel:
    """The technician's open orders (today's appointments first), each linked to the on-site page."""
    from aftersales.calls.models import ServiceOrder

    states = ("assigned", "travelling", "on_site")
    orders = list(
        ServiceOrder.objects.filter(technician_id=user.pk, state__in=states)
        .select_related("customer", "branch")
        .order_by("appointment_start", "assigned_at", "pk")[:20]
    )
    items = []
    for o in orders:
        when = ""
        if o.appointment_start is not None:
            when = f"{timezone.localtime(o.appointment_start):%m-%d %H:%M} · "
        items.append(
            WorkItem(
                title=f"{o.number} · {o.customer.name}",
                detail=when + (o.address or o.fault_description[:60]),
                url=reverse("calls:onsite", args=[o.pk]),
                badge=str(o.get_state_display()),
                tone="primary" if o.state == "on_site" else "secondary",
            )
        )
    return Panel(
        key="my_orders",
        title=_("My orders today"),
        items=items,
        empty=_("No order is assigned to you."),
        count=len(items),
    )


@register(Role.SUPERVISOR)
@register(Role.MANAGER)
def _dispatch_waiting(user: User, access: Access) -> Panel:
    from aftersales.calls.models import ServiceOrder

    visible = access.branches_for("orders.dispatch")
    qs = ServiceOrder.objects.filter(state="open")
    if visible != "all":
        qs = qs.filter(branch_id__in=sorted(visible))
    return Panel(
        key="dispatch_waiting",
        title=_("Orders waiting for a technician"),
        items=[
            WorkItem(title=f"{o.number} · {o.customer.name}", url=reverse("calls:order", args=[o.pk]))
            for o in qs.select_related("customer").order_by("opened_at", "pk")[:8]
        ],
        empty=_("Every order has a technician."),
        link=reverse("calls:board"),
        link_label=_("Dispatch board"),
        count=qs.count(),
    )


@register(Role.ACCOUNTANT)
def _invoices_to_issue(user: User, access: Access) -> Panel:
    from aftersales.charges.selectors import invoices_to_issue, is_late

    qs = invoices_to_issue(access=access).select_related("order", "customer")
    return Panel(
        key="invoices_to_issue",
        title=_("Invoices to issue"),
        items=[
            WorkItem(
                title=f"{i.number} · {i.customer.name}",
                detail=f"{i.order.number} · ¥{i.amount}",
                url=reverse("charges:accounts"),
                badge=_("late") if is_late(i) else "",
                tone="danger" if is_late(i) else "secondary",
            )
            for i in qs[:8]
        ],
        empty=_("No invoice to issue."),
        link=reverse("charges:accounts"),
        link_label=_("Invoices and payments"),
        count=qs.count(),
    )


@register(Role.SUPERVISOR)
@register(Role.MANAGER)
@register(Role.QUALITY_MANAGER)
def _hard_faults_waiting(user: User, access: Access) -> Panel | None:
    from aftersales.calls.escalation import escalations_waiting

    if not (access.branches_for("faults.answer") or access.branches_for("faults.engineer")):
        return None
    qs = escalations_waiting(access=access)
    items = [
        WorkItem(
            title=f"{e.order.number} · {e.get_level_display()}",
            detail=e.problem[:80],
            url=reverse("calls:order", args=[e.order_id]),
            badge=_("waiting for a solution"),
            tone="danger",
        )
        for e in qs[:8]
    ]
    if not items:
        return None
    return Panel(
        key="hard_faults", title=_("Hard faults waiting for your solution"), items=items, count=qs.count()
    )


# --- parts reports (aftersales.partsreports) ---------------------------------------------------


@register(Role.WAREHOUSE)
def _parts_to_replenish(user: User, access: Access) -> Panel:
    from aftersales.partsreports.panels import replenishment_panel

    return replenishment_panel(access)
