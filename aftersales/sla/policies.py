"""Clock policies as versioned data: defaults from policies.md, overrides, resolution, revision."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.scoping import most_specific
from aftersales.org.models import Branch, User, Zone
from aftersales.sla.models import DEFAULT_ESCALATION, ClockKind, ClockPolicy, DurationUnit, StartRule

ESCALATION_ROLES = ("responsible", "supervisor", "manager", "head", "executive", "quality_manager")


@dataclass(frozen=True, kw_only=True)
class PolicyData:
    kind: str
    amount: Decimal
    unit: str
    start_rule: str = StartRule.IMMEDIATE
    limit_amount: Decimal | None = None
    warn_ratio: Decimal = Decimal("0.75")
    escalation: list[dict[str, Any]] = field(default_factory=lambda: [dict(s) for s in DEFAULT_ESCALATION])
    pause_states: list[str] = field(default_factory=list)


def _d(value: str | int | float) -> Decimal:
    return Decimal(str(value))


# code, name, English name, kind, amount, unit, start rule, limit, pauses, starts on, stops on
_DEFAULTS: list[tuple[str, str, str, str, str, str, str, str | None, list[str], str, str]] = [
    (
        "reply",
        "回复客户留言",
        "reply to a customer message",
        "calendar",
        "24",
        "hours",
        "immediate",
        None,
        [],
        "message registered",
        "first reply recorded",
    ),
    (
        "rma_reply",
        "答复维修申请",
        "reply to a repair application",
        "working",
        "1",
        "working_days",
        "immediate",
        None,
        [],
        "application submitted",
        "answer recorded",
    ),
    (
        "arrival_urban",
        "市区到场",
        "arrival on site, urban",
        "working",
        "6",
        "hours",
        "immediate",
        None,
        [],
        "call registered",
        "technician arrives",
    ),
    (
        "arrival_suburban",
        "郊区到场",
        "arrival on site, suburban",
        "working",
        "7",
        "hours",
        "immediate",
        None,
        [],
        "call registered",
        "technician arrives",
    ),
    (
        "arrival_same_day",
        "装机系统当日到场",
        "same-day arrival for installed systems",
        "working",
        "0",
        "end_of_day",
        "immediate",
        None,
        [],
        "call registered",
        "arrival",
    ),
    (
        "arrival_appointment",
        "按约定时间到场",
        "arrival at an agreed appointment",
        "calendar",
        "0",
        "window",
        "immediate",
        None,
        [],
        "appointment agreed",
        "arrival",
    ),
    (
        "resolution",
        "问题解决",
        "problem resolved",
        "working",
        "3",
        "working_days",
        "immediate",
        None,
        [],
        "call registered",
        "fault resolved",
    ),
    (
        "resolution_same_day",
        "装机系统一般故障当日修复",
        "general fault fixed, installed systems",
        "working",
        "0",
        "end_of_day",
        "immediate",
        None,
        [],
        "call registered",
        "fault resolved",
    ),
    (
        "technical_escalation",
        "疑难故障报告主任",
        "hard fault reported to the supervisor",
        "working",
        "0",
        "end_of_day",
        "immediate",
        None,
        [],
        "hard fault flagged",
        "supervisor informed",
    ),
    (
        "workshop_repair",
        "返修周期",
        "workshop repair turnaround",
        "calendar",
        "3",
        "days",
        "immediate",
        "7",
        [],
        "unit in workshop",
        "passed inspection",
    ),
    (
        "factory_repair",
        "返厂维修",
        "factory-return repair of installed systems",
        "working",
        "10",
        "working_days",
        "immediate",
        None,
        [],
        "unit received",
        "shipped back",
    ),
    (
        "rma_repair",
        "寄修周期",
        "mail-in repair cycle",
        "working",
        "5",
        "working_days",
        "next_working_day",
        None,
        ["waiting_payment", "waiting_customer"],
        "day after receipt",
        "shipped back",
    ),
    (
        "supplier_repair_50",
        "供应商维修(50件以下)",
        "supplier repair, up to 50 pcs",
        "calendar",
        "4",
        "days",
        "immediate",
        None,
        [],
        "sent to supplier",
        "received back",
    ),
    (
        "supplier_repair_100",
        "供应商维修(51–100件)",
        "supplier repair, 51–100 pcs",
        "calendar",
        "7",
        "days",
        "immediate",
        None,
        [],
        "sent to supplier",
        "received back",
    ),
    (
        "supplier_repair_500",
        "供应商维修(101–500件)",
        "supplier repair, 101–500 pcs",
        "calendar",
        "10",
        "days",
        "immediate",
        None,
        [],
        "sent to supplier",
        "received back",
    ),
    (
        "return_inspection",
        "退货质检",
        "return: QA inspection",
        "calendar",
        "48",
        "hours",
        "immediate",
        None,
        [],
        "goods received",
        "inspection recorded",
    ),
    (
        "return_record",
        "检验记录送达客户",
        "return: inspection record to customer",
        "calendar",
        "3",
        "days",
        "immediate",
        None,
        [],
        "goods received",
        "record sent",
    ),
    (
        "return_confirmation",
        "客户确认(逾期视同同意)",
        "return: customer confirmation",
        "calendar",
        "2",
        "days",
        "immediate",
        None,
        [],
        "record sent",
        "confirmation or deemed",
    ),
    (
        "return_disposition",
        "退货维修或换货",
        "return: repair or exchange done",
        "calendar",
        "15",
        "days",
        "immediate",
        None,
        [],
        "goods received",
        "repair or exchange done",
    ),
    (
        "parts_delivery",
        "补件交货承诺",
        "parts request: delivery promise",
        "calendar",
        "15",
        "days",
        "immediate",
        None,
        [],
        "request confirmed",
        "shipped",
    ),
    (
        "parts_production",
        "补件生产周期",
        "parts production cycle",
        "calendar",
        "12",
        "days",
        "immediate",
        None,
        [],
        "production order",
        "parts received",
    ),
    (
        "parts_closeout",
        "补件结案周期",
        "parts close-out cycle",
        "calendar",
        "15",
        "days",
        "immediate",
        "18",
        [],
        "close-out period starts",
        "closed out",
    ),
    (
        "contract_notice",
        "合同到期通知",
        "contract expiry notice",
        "calendar",
        "1",
        "months_before",
        "immediate",
        None,
        [],
        "contract expiry",
        "notice sent",
    ),
    (
        "follow_up",
        "结案回访",
        "follow-up after closing",
        "working",
        "3",
        "working_days",
        "immediate",
        None,
        [],
        "order closed",
        "follow-up recorded",
    ),
    (
        "complaint_major",
        "重大投诉上报副总",
        "major complaint to deputy GM",
        "calendar",
        "1",
        "hours",
        "immediate",
        None,
        [],
        "complaint registered",
        "acknowledged",
    ),
    (
        "assessment",
        "月度考核完成",
        "monthly assessment done",
        "calendar",
        "10",
        "day_of_next_month",
        "immediate",
        None,
        [],
        "month ends",
        "assessment approved",
    ),
]

CLOCK_CODES = tuple(row[0] for row in _DEFAULTS)


def seed_default_policies() -> int:
    """Create the default version of every clock that has none yet (idempotent)."""
    existing = set(ClockPolicy.objects.filter(scope_key="default").values_list("code", flat=True))
    rows = [
        ClockPolicy(
            code=code,
            version=1,
            scope_key="default",
            name=name,
            name_en=name_en,
            kind=kind,
            amount=_d(amount),
            unit=unit,
            start_rule=start_rule,
            limit_amount=_d(limit) if limit is not None else None,
            pause_states=pauses,
            starts_on=starts,
            stops_on=stops,
            reason="policies.md",
        )
        for code, name, name_en, kind, amount, unit, start_rule, limit, pauses, starts, stops in _DEFAULTS
        if code not in existing
    ]
    ClockPolicy.objects.bulk_create(rows)
    return len(rows)


def policy_for(
    *,
    code: str,
    branch: Branch,
    zone: Zone | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
) -> ClockPolicy:
    """The current policy for this context: customer > product line > zone > branch > default."""
    candidates = list(ClockPolicy.objects.filter(code=code, active=True))
    if not candidates:
        raise InvalidInput(
            _("clock: unknown clock “%(code)s”. Allowed: %(codes)s")
            % {"code": code, "codes": ", ".join(CLOCK_CODES)},
            fields={"clock": [_("Allowed: %(codes)s") % {"codes": ", ".join(known_codes())}]},
        )
    context = {
        "customer_id": customer_id,
        "product_line_id": product_line_id,
        "zone_id": zone.pk if zone is not None else None,
        "branch_id": branch.pk,
    }
    best = most_specific(candidates, context)
    if best is None:
        raise InvalidInput(_("clock: no default policy for “%(code)s”.") % {"code": code})
    return best


def known_codes() -> list[str]:
    return sorted(set(ClockPolicy.objects.filter(active=True).values_list("code", flat=True)))


# --------------------------------------------------------------------------- revision


def _validate(data: PolicyData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.kind not in ClockKind.values:
        errors["kind"] = [_("Allowed: %(v)s") % {"v": ", ".join(ClockKind.values)}]
    if data.unit not in DurationUnit.values:
        errors["unit"] = [_("Allowed: %(v)s") % {"v": ", ".join(DurationUnit.values)}]
    if data.start_rule not in StartRule.values:
        errors["start_rule"] = [_("Allowed: %(v)s") % {"v": ", ".join(StartRule.values)}]
    try:
        amount = Decimal(data.amount)
    except (InvalidOperation, TypeError):
        amount = Decimal(-1)
    needs_amount = data.unit not in (DurationUnit.END_OF_DAY, DurationUnit.WINDOW)
    if amount < 0 or amount > 100000 or (needs_amount and amount == 0):
        errors["amount"] = [_("Give a positive number (at most 100000).")]
    if data.unit == DurationUnit.WORKING_DAYS and data.kind != ClockKind.WORKING:
        errors["unit"] = [_("Working days need working time.")]
    if data.unit == DurationUnit.END_OF_DAY and data.kind != ClockKind.WORKING:
        errors["unit"] = [_("“End of the working day” needs working time.")]
    if data.unit == DurationUnit.DAY_OF_NEXT_MONTH and not (1 <= amount <= 28):
        errors["amount"] = [_("A day of the month from 1 to 28.")]
    if data.limit_amount is not None and (
        data.limit_amount <= amount or data.unit in ("end_of_day", "window")
    ):
        errors["limit_amount"] = [_("The hard limit must be longer than the time allowed.")]
    if not (Decimal("0.05") <= Decimal(data.warn_ratio) <= Decimal("1")):
        errors["warn_ratio"] = [_("Between 0.05 and 1 (e.g. 0.75 for 75 %).")]
    esc = data.escalation
    ok = isinstance(esc, list) and len(esc) <= 6
    last = Decimal(0)
    for step in esc if ok else []:
        role = step.get("role") if isinstance(step, dict) else None
        try:
            after = Decimal(str(step.get("after"))) if isinstance(step, dict) else Decimal(0)
        except InvalidOperation:
            after = Decimal(0)
        if role not in ESCALATION_ROLES or after < 1 or after <= last or after > 20:
            ok = False
            break
        last = after
    if not ok:
        errors["escalation"] = [
            _(
                "A list of steps {role, after}; roles: %(roles)s; “after” from 1 (the deadline) upwards, increasing."
            )
            % {"roles": ", ".join(ESCALATION_ROLES)}
        ]
    if not isinstance(data.pause_states, list) or not all(isinstance(s, str) for s in data.pause_states):
        errors["pause_states"] = [_("A list of workflow state codes.")]
    return errors


def _as_trail(data: PolicyData) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(data).items()}


@transaction.atomic
def policy_revise(
    *, policy_id: int, data: PolicyData, access: Access, by: User, reason: str = ""
) -> ClockPolicy:
    """Replace the current version of a policy by a new one. Running clocks keep their version."""
    if not access.can("sla.policies.manage"):
        raise PermissionDenied()
    current = ClockPolicy.objects.select_for_update().filter(pk=policy_id).first()
    if current is None:
        raise NotFound()
    if not current.active:
        raise InvalidInput(
            _("version: only the current version can be revised."),
            fields={"version": [_("Revise the current version.")]},
        )
    InvalidInput.check(_validate(data))
    now = timezone.now()
    current.active = False
    current.retired_at = now
    current.save(update_fields=["active", "retired_at"])
    new = ClockPolicy.objects.create(
        code=current.code,
        version=current.version + 1,
        scope_key=current.scope_key,
        branch_id=current.branch_id,
        zone_id=current.zone_id,
        product_line_id=current.product_line_id,
        customer_id=current.customer_id,
        name=current.name,
        name_en=current.name_en,
        starts_on=current.starts_on,
        stops_on=current.stops_on,
        created_by=by,
        reason=reason[:200],
        kind=data.kind,
        amount=Decimal(data.amount),
        unit=data.unit,
        start_rule=data.start_rule,
        limit_amount=data.limit_amount,
        warn_ratio=Decimal(data.warn_ratio),
        escalation=data.escalation,
        pause_states=data.pause_states,
    )
    event_record(
        kind="policy_revised",
        subject=new,
        actor=by,
        branch=current.branch_id,
        from_value=f"v{current.version}",
        to_value=f"v{new.version}",
        data={"code": new.code, "scope": new.scope_key, "policy": _as_trail(data)},
        reason=reason,
    )
    return new


@transaction.atomic
def policy_override_create(
    *,
    code: str,
    data: PolicyData,
    access: Access,
    by: User,
    branch_id: int | None = None,
    zone_id: int | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
    reason: str = "",
) -> ClockPolicy:
    """A policy for one branch, zone, product line or customer, overriding the default."""
    if not access.can("sla.policies.manage"):
        raise PermissionDenied()
    default = ClockPolicy.objects.filter(code=code, scope_key="default", active=True).first()
    if default is None:
        raise InvalidInput(
            _("clock: unknown clock “%(code)s”.") % {"code": code},
            fields={"clock": [_("Allowed: %(codes)s") % {"codes": ", ".join(known_codes())}]},
        )
    if branch_id is None and zone_id is None and product_line_id is None and customer_id is None:
        raise InvalidInput(
            _("scope: choose a branch, zone, product line or customer."),
            fields={"scope": [_("An override needs a scope.")]},
        )
    if zone_id is not None:
        zone = Zone.objects.filter(pk=zone_id).first()
        if zone is None:
            raise InvalidInput(_("zone: unknown zone."), fields={"zone": [_("Unknown zone.")]})
        branch_id = zone.branch_id
    InvalidInput.check(_validate(data))
    key = ClockPolicy.make_scope_key(
        branch_id=branch_id, zone_id=zone_id, product_line_id=product_line_id, customer_id=customer_id
    )
    existing = ClockPolicy.objects.select_for_update().filter(code=code, scope_key=key, active=True).first()
    if existing is not None:
        return policy_revise(policy_id=existing.pk, data=data, access=access, by=by, reason=reason)
    last = ClockPolicy.objects.filter(code=code, scope_key=key).order_by("-version").first()
    new = ClockPolicy.objects.create(
        code=code,
        version=(last.version + 1) if last else 1,
        scope_key=key,
        branch_id=branch_id,
        zone_id=zone_id,
        product_line_id=product_line_id,
        customer_id=customer_id,
        name=default.name,
        name_en=default.name_en,
        starts_on=default.starts_on,
        stops_on=default.stops_on,
        created_by=by,
        reason=reason[:200],
        kind=data.kind,
        amount=Decimal(data.amount),
        unit=data.unit,
        start_rule=data.start_rule,
        limit_amount=data.limit_amount,
        warn_ratio=Decimal(data.warn_ratio),
        escalation=data.escalation,
        pause_states=data.pause_states,
    )
    event_record(
        kind="policy_revised",
        subject=new,
        actor=by,
        branch=branch_id,
        to_value=f"v{new.version}",
        data={"code": code, "scope": key, "policy": _as_trail(data)},
        reason=reason,
    )
    return new


@transaction.atomic
def policy_override_retire(*, policy_id: int, access: Access, by: User, reason: str = "") -> ClockPolicy:
    """Stop an override; the default (or a wider override) applies to clocks started afterwards."""
    if not access.can("sla.policies.manage"):
        raise PermissionDenied()
    policy = ClockPolicy.objects.select_for_update().filter(pk=policy_id, active=True).first()
    if policy is None:
        raise NotFound()
    if policy.scope_key == "default":
        raise InvalidInput(
            _("scope: the default policy cannot be retired, only revised."),
            fields={"scope": [_("Revise the default instead.")]},
        )
    policy.active = False
    policy.retired_at = timezone.now()
    policy.save(update_fields=["active", "retired_at"])
    event_record(
        kind="policy_retired",
        subject=policy,
        actor=by,
        branch=policy.branch_id,
        from_value=f"v{policy.version}",
        data={"code": policy.code, "scope": policy.scope_key},
        reason=reason,
    )
    return policy


def policy_data_of(policy: ClockPolicy) -> PolicyData:
    return PolicyData(
        kind=policy.kind,
        amount=policy.amount,
        unit=policy.unit,
        start_rule=policy.start_rule,
        limit_amount=policy.limit_amount,
        warn_ratio=policy.warn_ratio,
        escalation=list(policy.escalation),
        pause_states=list(policy.pause_states),
    )
