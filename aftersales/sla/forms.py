"""Forms of the service-level pages. They collect input only; the rules are in the services."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductLine
from aftersales.common.errors import DomainError
from aftersales.customers.models import Customer
from aftersales.org.models import Branch, Zone
from aftersales.sla.models import ClockKind, ClockPolicy, DurationUnit, StartRule
from aftersales.sla.policies import ESCALATION_ROLES, PolicyData

_HOURS = re.compile(r"^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; domain errors placed next to their field."""

    # service field name → form field name
    error_fields: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def apply_error(self, exc: DomainError) -> None:
        placed = False
        for name, messages in exc.fields.items():
            target = self.error_fields.get(name, name)
            for message in messages:
                if target in self.fields:
                    self.add_error(target, message)
                    placed = True
        if not placed:
            self.add_error(None, exc.message)


class BranchDayForm(StyledForm):
    """A branch's own exception for one day: closed, working (optionally with its own hours), or none."""

    MODES = [
        ("closed", _("closed (no work)")),
        ("open", _("working")),
        ("clear", _("as the official calendar")),
    ]
    error_fields = {"periods": "hours"}

    date = forms.DateField(label=_("date"), widget=forms.HiddenInput)
    mode = forms.ChoiceField(label=_("this day is"), choices=MODES, widget=forms.RadioSelect)
    hours = forms.CharField(
        label=_("business hours"),
        required=False,
        max_length=100,
        help_text=_(
            "Optional, for a working day with its own hours, e.g. 09:00-12:00 or 09:00-12:00, 13:00-17:00"
        ),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def clean_hours(self) -> list[list[str]] | None:
        raw = self.cleaned_data["hours"].strip()
        if not raw or self.data.get("mode") != "open":
            return None  # hours only matter for a working day; a closed or cleared day ignores them
        periods = []
        for part in re.split(r"[,，;；\s]+(?=\d)", raw):
            match = _HOURS.match(part.strip())
            if match is None:
                raise forms.ValidationError(_("Write hours like 09:00-12:00, separated by commas."))
            periods.append([match[1].zfill(5), match[2].zfill(5)])
        return periods


class YearLoadForm(StyledForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)


class YearTextForm(StyledForm):
    days = forms.CharField(
        label=_("days that differ from Monday–Friday"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 16, "spellcheck": "false", "class": "form-control font-monospace"}
        ),
        help_text=_(
            "One line per day or range: “2027-01-01 off New Year's Day”, "
            "“2027-10-01..2027-10-07 off National Day”, “2027-09-26 on National Day” (a make-up working day)."
        ),
    )
    note = forms.CharField(label=_("source or note"), required=False, max_length=200)


def plain_number(value: Decimal) -> str:
    """6.00 → 6, 1.50 → 1.5, 10 → 10 (never 1E+1)."""
    return format(Decimal(value).normalize(), "f")


def _choices(rows: list[tuple[Any, str]], blank: str = "—") -> list[tuple[Any, str]]:
    return [("", blank), *rows]


class PolicyForm(StyledForm):
    """The rule of one policy version. The reason is kept on the new version and in the trail."""

    error_fields = {"warn_ratio": "warn_percent", "clock": "code", "scope": "branch_id"}

    kind = forms.ChoiceField(label=_("time"), choices=ClockKind.choices)
    amount = forms.DecimalField(label=_("duration"), max_digits=8, decimal_places=2, min_value=Decimal(0))
    unit = forms.ChoiceField(label=_("time unit"), choices=DurationUnit.choices)
    start_rule = forms.ChoiceField(label=_("starts"), choices=StartRule.choices)
    limit_amount = forms.DecimalField(
        label=_("hard limit"),
        max_digits=8,
        decimal_places=2,
        required=False,
        help_text=_("An outer limit in the same unit; leave empty for none."),
    )
    warn_percent = forms.DecimalField(
        # xgettext:no-python-format
        label=_("warn at (% of the time allowed)"),
        min_value=Decimal(5),
        max_value=Decimal(100),
        decimal_places=1,
    )
    escalation = forms.CharField(
        label=_("escalation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One step per line: role and multiple of the time allowed, e.g. “supervisor 1”. Roles: %(r)s"
        )
        % {"r": ", ".join(ESCALATION_ROLES)},
    )
    pause_states = forms.CharField(
        label=_("pauses while"),
        required=False,
        help_text=_("Workflow states that pause the clock, separated by commas."),
    )
    reason = forms.CharField(label=_("reason for the change"), max_length=200)

    @staticmethod
    def initial_for(policy: ClockPolicy) -> dict[str, Any]:
        return {
            "kind": policy.kind,
            "amount": plain_number(policy.amount),
            "unit": policy.unit,
            "start_rule": policy.start_rule,
            "limit_amount": plain_number(policy.limit_amount) if policy.limit_amount is not None else None,
            "warn_percent": plain_number(policy.warn_ratio * 100),
            "escalation": "\n".join(
                f"{s.get('role')} {plain_number(Decimal(str(s.get('after'))))}"
                for s in policy.escalation or []
            ),
            "pause_states": ", ".join(policy.pause_states or []),
        }

    def clean_escalation(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for raw in re.split(r"[\n,;，；]+", self.cleaned_data["escalation"]):
            text = raw.strip().replace("×", " ").replace(":", " ")
            if not text:
                continue
            parts = text.split()
            try:
                after = float(parts[1]) if len(parts) == 2 else None
            except ValueError:
                after = None
            if after is None or parts[0] not in ESCALATION_ROLES:
                raise forms.ValidationError(
                    _("“%(line)s”: write a role and a number, e.g. “manager 1.5”.") % {"line": raw.strip()}
                )
            steps.append({"role": parts[0], "after": after})
        return steps

    def clean_pause_states(self) -> list[str]:
        return [s for s in re.split(r"[\s,，;；]+", self.cleaned_data["pause_states"]) if s]

    def to_data(self) -> PolicyData:
        cd = self.cleaned_data
        return PolicyData(
            kind=cd["kind"],
            amount=cd["amount"],
            unit=cd["unit"],
            start_rule=cd["start_rule"],
            limit_amount=cd["limit_amount"],
            warn_ratio=(cd["warn_percent"] / 100).quantize(Decimal("0.01")),
            escalation=cd["escalation"],
            pause_states=cd["pause_states"],
        )


class OverrideForm(PolicyForm):
    """A policy for one branch, zone, product line or customer (at least one of them)."""

    code = forms.ChoiceField(label=_("clock"))
    branch_id = forms.TypedChoiceField(label=_("branch"), coerce=int, required=False, empty_value=None)
    zone_id = forms.TypedChoiceField(label=_("zone"), coerce=int, required=False, empty_value=None)
    product_line_id = forms.TypedChoiceField(
        label=_("product line"), coerce=int, required=False, empty_value=None
    )
    customer_number = forms.CharField(
        label=_("customer number"), required=False, max_length=40, help_text=_("e.g. SH-CU-2025-000001")
    )

    field_order = ["code", "branch_id", "zone_id", "product_line_id", "customer_number"]

    def __init__(self, *args: Any, policies: list[ClockPolicy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from aftersales.sla.templatetags.sla import local_name

        self.fields["code"].choices = [(p.code, f"{p.code} · {local_name(p)}") for p in policies]  # type: ignore[attr-defined]
        self.fields["branch_id"].choices = _choices(  # type: ignore[attr-defined]
            [(b.pk, f"{b.code} {b.name}") for b in Branch.objects.filter(active=True)]
        )
        self.fields["zone_id"].choices = _choices(  # type: ignore[attr-defined]
            [(z.pk, str(z)) for z in Zone.objects.select_related("branch").filter(branch__active=True)]
        )
        self.fields["product_line_id"].choices = _choices(  # type: ignore[attr-defined]
            [(p.pk, str(p)) for p in ProductLine.objects.all()]
        )
        self.customer_id: int | None = None

    def clean_customer_number(self) -> str:
        number = self.cleaned_data["customer_number"].strip()
        if number:
            found = Customer.objects.filter(number__iexact=number).values_list("pk", flat=True).first()
            if found is None:
                raise forms.ValidationError(_("No customer has this number."))
            self.customer_id = found
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = [data.get("branch_id"), data.get("zone_id"), data.get("product_line_id"), self.customer_id]
        if not self.errors and all(v is None for v in scope):
            self.add_error("branch_id", _("Choose a branch, zone, product line or customer."))
        return data


class RetireForm(StyledForm):
    reason = forms.CharField(label=_("reason"), max_length=200)


def month_of(value: str, default: dt.date) -> dt.date:
    """``2025-10`` → 2025-10-01; anything else (or a year outside 2000–2100) gives ``default``'s month."""
    try:
        year, month = (int(x) for x in value.split("-", 1))
        if 2000 <= year <= 2100:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return default.replace(day=1)


def date_of(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
