"""Read and revise the non-clock rules of policies.md (the defaults below are seeded once)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.scoping import most_specific
from aftersales.org.models import User
from aftersales.rules.models import Rule


@dataclass(frozen=True)
class RuleSpec:
    default: Any
    kind: str  # int | decimal | choice
    label: Any
    scopes: tuple[str, ...] = ()  # which of branch / product_line / customer may override
    choices: tuple[str, ...] = ()
    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(1_000_000)


RULES: dict[str, RuleSpec] = {
    "warranty_months": RuleSpec(
        12,
        "int",
        gettext_lazy("warranty from purchase or installation (months)"),
        ("product_line", "customer"),
        maximum=Decimal(120),
    ),
    "quote_approval_discount_pct": RuleSpec(
        "10",
        "decimal",
        gettext_lazy("quote below the price list by more than (%) → general manager approves"),
        maximum=Decimal(100),
    ),
    "out_of_warranty_labour": RuleSpec(
        "price_list",
        "choice",
        gettext_lazy("out of warranty: labour"),
        ("branch",),
        choices=("price_list", "free"),
    ),
    "out_of_warranty_parts": RuleSpec(
        "price_list",
        "choice",
        gettext_lazy("out of warranty: parts"),
        ("branch",),
        choices=("price_list", "cost"),
    ),
    "labour_cost_per_hour": RuleSpec(
        "80",
        "decimal",
        gettext_lazy("internal labour cost per hour, for order cost accounting (yuan)"),
        ("branch",),
    ),
    "repeat_repair_days": RuleSpec(
        90, "int", gettext_lazy("repeat repair window (days)"), maximum=Decimal(3650)
    ),
    "writeoff_executive_threshold": RuleSpec(
        "5000", "decimal", gettext_lazy("write-off above this amount needs the executive (yuan)")
    ),
    "follow_up_sample_pct": RuleSpec(
        "20", "decimal", gettext_lazy("follow-up sample of other orders (%)"), maximum=Decimal(100)
    ),
    "slow_moving_yellow_months": RuleSpec(
        1, "int", gettext_lazy("slow-moving yellow after (months)"), maximum=Decimal(60)
    ),
    "stocktake_months": RuleSpec(
        1,
        "int",
        gettext_lazy("stocktake each warehouse at least every (months)"),
        ("branch",),
        maximum=Decimal(12),
    ),
    "slow_moving_red_months": RuleSpec(
        3, "int", gettext_lazy("slow-moving red after (months)"), maximum=Decimal(60)
    ),
    "kpi_on_time_pct": RuleSpec(
        "90", "decimal", gettext_lazy("KPI target: on time (%)"), maximum=Decimal(100)
    ),
    "kpi_satisfaction_pct": RuleSpec(
        "85", "decimal", gettext_lazy("KPI target: satisfaction (%)"), maximum=Decimal(100)
    ),
    "kpi_complaint_rate_pct": RuleSpec(
        "3", "decimal", gettext_lazy("KPI target: complaint rate at most (%)"), maximum=Decimal(100)
    ),
    "kpi_workshop_plan_pct": RuleSpec(
        "90", "decimal", gettext_lazy("KPI target: workshop plan achievement (%)"), maximum=Decimal(100)
    ),
    "kpi_first_pass_yield_pct": RuleSpec(
        "95", "decimal", gettext_lazy("KPI target: repaired first-pass yield (%)"), maximum=Decimal(100)
    ),
    "dispatch_job_minutes": RuleSpec(
        90,
        "int",
        gettext_lazy("dispatch optimiser: expected time on site per job (minutes)"),
        ("branch", "product_line", "customer"),
        minimum=Decimal(5),
        maximum=Decimal(720),
    ),
}


def seed_default_rules() -> int:
    have = set(Rule.objects.filter(scope_key="default").values_list("key", flat=True))
    rows = [
        Rule(key=key, version=1, scope_key="default", value=spec.default, reason="policies.md")
        for key, spec in RULES.items()
        if key not in have
    ]
    Rule.objects.bulk_create(rows)
    return len(rows)


def rule(
    key: str,
    *,
    branch_id: int | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
) -> Rule:
    """The current rule for this context (customer > product line > branch > default)."""
    if key not in RULES:
        raise KeyError(key)
    row = most_specific(
        Rule.objects.filter(key=key, active=True),
        {"branch_id": branch_id, "product_line_id": product_line_id, "customer_id": customer_id},
    )
    if row is None:  # a database seeded before this rule existed
        seed_default_rules()
        row = Rule.objects.get(key=key, scope_key="default", active=True)
    return row


def rule_decimal(key: str, **scope: int | None) -> tuple[Decimal, Rule]:
    row = rule(key, **scope)
    return Decimal(str(row.value)), row


def rule_int(key: str, **scope: int | None) -> tuple[int, Rule]:
    row = rule(key, **scope)
    return int(row.value), row


def _clean(key: str, value: Any) -> Any:
    spec = RULES[key]
    if spec.kind == "choice":
        if value not in spec.choices:
            raise InvalidInput(
                _("value: allowed: %(v)s") % {"v": ", ".join(spec.choices)},
                fields={"value": [_("Allowed: %(v)s") % {"v": ", ".join(spec.choices)}]},
            )
        return value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if spec.kind == "int" and number != number.to_integral_value():
        number = Decimal(-1)
    if not (spec.minimum <= number <= spec.maximum):
        message = _("A number from %(a)s to %(b)s.") % {"a": spec.minimum, "b": spec.maximum}
        raise InvalidInput(f"value: {message}", fields={"value": [message]})
    return int(number) if spec.kind == "int" else str(number)


@transaction.atomic
def rule_set(
    *,
    key: str,
    value: Any,
    access: Access,
    by: User,
    reason: str = "",
    branch_id: int | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
) -> Rule:
    """A new version of a rule (for the default or one scope); the old one is retired, kept."""
    if not access.can("rules.manage"):
        raise PermissionDenied()
    spec = RULES.get(key)
    if spec is None:
        raise NotFound()
    for name, given in (("branch", branch_id), ("product_line", product_line_id), ("customer", customer_id)):
        if given is not None and name not in spec.scopes:
            allowed = ", ".join(spec.scopes) or "—"
            raise InvalidInput(
                _("scope: this rule may be set per %(allowed)s only.") % {"allowed": allowed},
                fields={"scope": [_("Allowed: %(v)s") % {"v": allowed}]},
            )
    cleaned = _clean(key, value)
    parts = [("b", branch_id), ("p", product_line_id), ("c", customer_id)]
    scope_key = "|".join(f"{k}{v}" for k, v in parts if v is not None) or "default"
    current = Rule.objects.select_for_update().filter(key=key, scope_key=scope_key, active=True).first()
    last = Rule.objects.filter(key=key, scope_key=scope_key).order_by("-version").first()
    if current is not None:
        current.active = False
        current.retired_at = timezone.now()
        current.save(update_fields=["active", "retired_at"])
    new = Rule.objects.create(
        key=key,
        version=(last.version + 1) if last else 1,
        scope_key=scope_key,
        branch_id=branch_id,
        product_line_id=product_line_id,
        customer_id=customer_id,
        value=cleaned,
        created_by=by,
        reason=reason[:200],
    )
    event_record(
        kind="rule_set",
        subject=new,
        actor=by,
        branch=branch_id,
        from_value="" if current is None else current.value,
        to_value=cleaned,
        data={"key": key, "scope": scope_key, "version": new.version},
        reason=reason,
    )
    return new
