"""Demo service history: about three months of calls taken through the real services — registered,
dispatched, served on site, signed, charged and closed — plus today's open work at every stage.

Idempotent: does nothing once any service order exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import (
    PartUse,
    ReportData,
    order_close,
    order_complete,
    order_settle,
    report_save,
    report_sign,
)
from aftersales.calls.services import CallData, call_register
from aftersales.calls.workflow import order_arrive, order_assign, order_start_travel, technicians_for
from aftersales.catalog.models import FaultCategory, Part
from aftersales.charges.models import Invoice, LabourRate, Payment, TravelFee
from aftersales.charges.money import (
    accepted_quote,
    invoice_cancel,
    invoice_issue,
    invoice_pay,
    invoice_request,
    refund_record,
)
from aftersales.charges.services import quote_answer, quote_build, quote_send, quote_set_total, quote_submit
from aftersales.common.errors import DomainError
from aftersales.installed.models import Unit
from aftersales.org.models import Branch, User

FAULTS = [
    ("no_power", "不通电", "No power"),
    ("spindle", "主轴故障", "Spindle fault"),
    ("leak", "漏油/漏水", "Leak"),
    ("noise", "异响/振动", "Noise or vibration"),
    ("alarm", "报警停机", "Alarm stop"),
    ("cooling", "制冷不足", "Insufficient cooling"),
    ("pressure", "压力不足", "Low pressure"),
    ("software", "程序/软件故障", "Software fault"),
]
CAUSES = {
    "no_power": ("电源板烧毁", "更换电源板并检查供电"),
    "spindle": ("主轴轴承磨损", "更换主轴轴承，重新调整预紧"),
    "leak": ("密封圈老化", "更换密封圈，清理油污"),
    "noise": ("联轴器松动", "紧固联轴器并做动平衡"),
    "alarm": ("伺服驱动器过载", "调整参数，清理散热风道"),
    "cooling": ("冷媒不足", "查漏补焊，补充冷媒"),
    "pressure": ("进气阀卡滞", "清洗进气阀，更换空滤"),
    "software": ("程序参数丢失", "备份恢复参数并升级固件"),
}
SYMPTOMS = [
    "开机无反应",
    "运行中突然停机",
    "有异常响声",
    "显示报警代码",
    "压力上不去",
    "温度降不下来",
    "漏油严重",
]
OPINIONS = ["very_satisfied"] * 5 + ["satisfied"] * 4 + ["fair"]
SIGNATURE = (
    "M10 40 L 22 18 L 34 12 L 46 22 L 58 40 L 72 52 L 86 44 L 98 30 L 112 38 L 126 48 M 140 45 L 170 20"
)


def _at(branch: Branch, day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(branch.timezone))


def _reference_data() -> None:
    for code, name, name_en in FAULTS:
        FaultCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    if not LabourRate.objects.exists():
        LabourRate.objects.create(hourly=Decimal("180"))
    if not TravelFee.objects.exists():
        for kind, fee in (("urban", "100"), ("suburban", "200"), ("remote", "400")):
            TravelFee.objects.create(zone_kind=kind, fee=Decimal(fee))


def _cover_product_lines(admin: User | None) -> None:
    """Every branch that has units gets a certified technician for each product line it serves."""
    from aftersales.catalog.models import ProductLine
    from aftersales.org.models import Certification
    from aftersales.org.services import certification_set

    for branch_id in Unit.objects.values_list("branch_id", flat=True).distinct():
        techs = list(
            User.objects.filter(role_assignments__role="technician", role_assignments__branch_id=branch_id)
            .distinct()
            .order_by("username")
        )
        if not techs:
            continue
        lines = ProductLine.objects.filter(models__units__branch_id=branch_id).distinct().order_by("code")
        for i, line in enumerate(lines):
            if (
                Certification.objects.filter(user__in=techs, product_line=line)
                .exclude(expires_on__lt=timezone.localdate())
                .exists()
            ):
                continue
            certification_set(
                user=techs[i % len(techs)],
                product_line_id=line.pk,
                certified_on=dt.date(2024, 6, 1),
                expires_on=None,
                certificate_no=f"DEMO-{line.code}-{branch_id}",
                by=admin,
            )


def _one_order(
    rng: random.Random,
    unit: Unit,
    day: dt.date,
    agent: User,
    supervisor: User,
    *,
    finish: bool,
    dispatch: bool = True,
) -> str:
    """Take one call as far as the flow allows; returns the state reached."""
    branch = unit.branch
    fault_code, fault_name, _en = rng.choice(FAULTS)
    fault = FaultCategory.objects.get(code=fault_code)
    received = _at(branch, day, rng.randint(8, 15), rng.choice((0, 10, 25, 40, 55)))
    result = call_register(
        data=CallData(
            unit_id=unit.pk,
            channel=rng.choice(["phone"] * 6 + ["email", "dealer", "portal"]),
            fault_category_id=fault.pk,
            fault_description=f"{fault_name}：{rng.choice(SYMPTOMS)}",
            urgency=rng.choice(["normal"] * 6 + ["urgent"]),
            received_at=received,
        ),
        access=access_for(agent),
        by=agent,
    )
    order = result.order
    if order is None or result.linked:
        return "linked"
    if not dispatch:
        return "open"
    eligible = [u for u, problem in technicians_for(order, day) if problem is None]
    if not eligible:
        return "open"
    tech = rng.choice(eligible)
    order_assign(
        order_id=order.pk,
        technician_id=tech.pk,
        access=access_for(supervisor),
        by=supervisor,
        at=received + dt.timedelta(minutes=rng.randint(10, 50)),
    )
    if not finish:
        return "assigned"
    t_access = access_for(tech)
    leave = received + dt.timedelta(minutes=rng.randint(60, 150))
    order_start_travel(order_id=order.pk, access=t_access, by=tech, at=leave)
    # Most arrive well within the limit; some are late (traffic, a long job before).
    arrive = leave + dt.timedelta(minutes=rng.choice([40] * 8 + [300, 1500]))
    order_arrive(order_id=order.pk, access=t_access, by=tech, at=arrive)
    cause, solution = CAUSES[fault_code]
    parts = list(Part.objects.filter(product_lines=unit.product_model.product_line, active=True)[:6])
    used = [PartUse(part_id=rng.choice(parts).pk, quantity=1)] if parts and rng.random() < 0.7 else []
    report_save(
        order_id=order.pk,
        access=t_access,
        by=tech,
        data=ReportData(
            fault_category_id=fault.pk,
            cause=cause,
            solution=solution,
            labour_minutes=rng.choice([45, 60, 90, 120, 180]),
            parts=used,
            no_parts_used=not used,
        ),
    )
    report_sign(
        order_id=order.pk,
        signed_by=unit.customer.contact_name or "客户",
        signature=SIGNATURE,
        opinion=rng.choice(OPINIONS),
        access=t_access,
        by=tech,
        at=arrive + dt.timedelta(hours=2),
    )
    order_complete(order_id=order.pk, access=t_access, by=tech, at=arrive + dt.timedelta(hours=2, minutes=5))
    s_access = access_for(supervisor)
    order.refresh_from_db()
    if order.service_type == "paid":
        quote = quote_build(order_id=order.pk, access=s_access, by=supervisor)
        if quote.total > 0:
            if rng.random() < 0.2:  # a small goodwill discount, within the agent's limit
                quote_set_total(
                    quote_id=quote.pk,
                    total=(quote.total * Decimal("0.95")).quantize(Decimal("1")),
                    access=s_access,
                    by=supervisor,
                    reason="老客户优惠",
                )
            quote_submit(quote_id=quote.pk, access=s_access, by=supervisor)
            quote_send(quote_id=quote.pk, access=s_access, by=supervisor)
            quote_answer(quote_id=quote.pk, accepted=True, access=s_access, by=supervisor)
            settlement = rng.choice(["paid", "invoiced"])
        else:
            settlement = "none_due"
    else:
        settlement = "none_due"
    paid: dict[str, object] = {}
    if settlement == "paid":  # small bills on site by phone; some pay a deposit, the rest invoiced
        paid["method"] = rng.choice(["wechat", "wechat", "alipay", "cash", "card"])
        if rng.random() < 0.2:
            paid["amount"] = str((accepted_quote(order).total / 2).quantize(Decimal("1")))  # type: ignore[union-attr]
    order_settle(
        order_id=order.pk,
        settlement=settlement,
        access=s_access,
        by=supervisor,
        at=arrive + dt.timedelta(hours=2, minutes=10),
        **paid,  # type: ignore[arg-type]
    )
    order_close(order_id=order.pk, access=s_access, by=supervisor, at=arrive + dt.timedelta(hours=4))
    return "closed"


def _today(rng: random.Random, unit: Unit, agent: User, supervisor: User) -> str:
    received = timezone.now() - dt.timedelta(minutes=rng.randint(30, 240))
    result = call_register(
        data=CallData(
            unit_id=unit.pk,
            fault_description=f"{rng.choice(FAULTS)[1]}：{rng.choice(SYMPTOMS)}",
            received_at=received,
        ),
        access=access_for(agent),
        by=agent,
    )
    order = result.order
    if order is None or result.linked or rng.random() < 0.5:
        return "open"
    eligible = [u for u, problem in technicians_for(order, timezone.localdate()) if problem is None]
    if not eligible:
        return "open"
    order_assign(
        order_id=order.pk,
        technician_id=rng.choice(eligible).pk,
        access=access_for(supervisor),
        by=supervisor,
        at=received + dt.timedelta(minutes=15),
    )
    return "assigned"


def load_service_history(*, days: int = 75) -> dict[str, int]:
    if ServiceOrder.objects.exists():
        return {"orders": 0}
    _reference_data()
    _cover_product_lines(User.objects.filter(username="admin").first())
    rng = random.Random(20261123)
    today = timezone.localdate()
    counts: dict[str, int] = {}
    staff = {
        u.username: u
        for u in User.objects.filter(
            username__in=["agent", "supervisor", "hz_agent", "hz_supervisor", "nj_supervisor"]
        )
    }
    desk = {
        "SH": (staff.get("agent"), staff.get("supervisor")),
        "HZ": (staff.get("hz_agent"), staff.get("hz_supervisor")),
        "NJ": (None, staff.get("nj_supervisor")),
    }
    admin = User.objects.filter(username="admin").first()
    units = {
        code: list(
            Unit.objects.filter(branch__code=code).select_related("branch", "customer", "product_model")
        )
        for code in desk
    }
    for back in range(days, -1, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for code, (agent, supervisor) in desk.items():
            agent = agent or admin
            if agent is None or supervisor is None or not units[code]:
                continue
            # Today and yesterday are busy (the dispatch board has something to show).
            calls = 4 if back == 0 else (2 if back == 1 else (0 if rng.random() < 0.35 else 1))
            for unit in rng.sample(units[code], k=min(calls, len(units[code]))):
                try:
                    with transaction.atomic():
                        if back == 0:  # today: open work, some still waiting for dispatch
                            state = _today(rng, unit, agent, supervisor)
                        elif back == 1 and rng.random() < 0.5:  # carried over, not yet dispatched
                            state = _one_order(
                                rng, unit, day, agent, supervisor, finish=False, dispatch=False
                            )
                        else:
                            state = _one_order(rng, unit, day, agent, supervisor, finish=back > 1)
                except DomainError:
                    state = "skipped"
                counts[state] = counts.get(state, 0) + 1
    orders = sum(v for k, v in counts.items() if k not in ("linked", "skipped"))
    counts.update(_accounts_history(rng, admin, desk))
    return {"orders": orders, **counts}


def _accounts_history(
    rng: random.Random, admin: User | None, desk: dict[str, tuple[User | None, User | None]]
) -> dict[str, int]:
    """The accountant's side of the history: invoices issued the same day (a few left over),
    most paid within weeks, a couple re-requested today after a wrong title, one refund."""
    accountant = User.objects.filter(username="accountant").first()
    manager = User.objects.filter(username="manager").first()
    if admin is None:
        return {}
    now = timezone.now()
    counts = {"invoices_issued": 0, "invoices_paid": 0, "invoices_requested_today": 0, "refunds": 0}
    for n, invoice in enumerate(Invoice.objects.select_related("branch").order_by("requested_at", "pk")):
        if rng.random() < 0.04 and invoice.requested_at < now - dt.timedelta(days=3):
            continue  # forgotten: shows red on the accountant's page
        clerk = accountant if accountant is not None and invoice.branch.code == "SH" else admin
        issued_at = min(invoice.requested_at + dt.timedelta(hours=rng.randint(1, 4)), now)
        invoice_issue(
            invoice_id=invoice.pk,
            tax_invoice_no=f"{44100000 + n:08d}",
            access=access_for(clerk),
            by=clerk,
            at=issued_at,
        )
        counts["invoices_issued"] += 1
        paid_at = issued_at + dt.timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 6))
        if paid_at < now - dt.timedelta(hours=1) and rng.random() < 0.8:
            invoice_pay(
                invoice_id=invoice.pk,
                method=rng.choice(["bank_transfer", "bank_transfer", "bank_transfer", "wechat"]),
                access=access_for(clerk),
                by=clerk,
                at=paid_at,
            )
            counts["invoices_paid"] += 1
    # A wrong invoice title: cancelled and requested again today.
    recent = Invoice.objects.filter(state=Invoice.State.ISSUED).select_related("order", "branch")
    mostly_sh = [
        *recent.filter(branch__code="SH").order_by("-issued_at")[:2],
        *recent.exclude(branch__code="SH").order_by("-issued_at")[:2],
    ]
    for invoice in mostly_sh:
        clerk = accountant if accountant is not None and invoice.branch.code == "SH" else admin
        invoice_cancel(
            invoice_id=invoice.pk, reason="发票抬头有误，作废重开", access=access_for(clerk), by=clerk
        )
        requester = desk.get(invoice.branch.code, (None, None))[1] or admin
        invoice_request(
            order_id=invoice.order_id,
            title=f"{invoice.title}（全称）",
            access=access_for(requester),
            by=requester,
            at=now - dt.timedelta(minutes=rng.randint(20, 180)),
        )
        counts["invoices_requested_today"] += 1
    paid_on_site = Payment.objects.filter(kind="payment", invoice__isnull=True, branch__code="SH")
    first = paid_on_site.order_by("-received_at").first()
    if manager is not None and first is not None:
        refund_record(
            order_id=first.order_id,
            amount=min(first.amount, Decimal("50")),
            method=first.method,
            reason="多收交通费，退还",
            access=access_for(manager),
            by=manager,
            at=first.received_at + dt.timedelta(days=1),
        )
        counts["refunds"] += 1
    return counts
