"""Display of clocks, policies and calendars: ``{% load sla %}``.

``{% clock_panel subject %}`` shows every clock of a record the person may see (record pages use
it); ``{% countdown_badge clock %}`` is the live badge of one clock (``static/sla/countdown.js``
keeps its text current).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.db import models
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from aftersales.access.policy import access_for
from aftersales.audit.services import subject_type_of
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockPolicy
from aftersales.sla.selectors import Countdown, clocks_for_subject, countdown

register = template.Library()

LEVEL_TONES = {
    "ok": "success",
    "warning": "warning",
    "overdue": "danger",
    "paused": "secondary",
    "met": "success",
    "breached": "danger",
    "cancelled": "light",
}
LEVEL_LABELS = {
    "paused": _("paused"),
    "met": _("met"),
    "breached": _("breached"),
    "cancelled": _("replaced"),
}
ESCALATION_LABELS = {
    "responsible": _("responsible person"),
    "supervisor": Role.SUPERVISOR.label,
    "manager": Role.MANAGER.label,
    "head": _("head of service"),
    "executive": Role.EXECUTIVE.label,
    "quality_manager": Role.QUALITY_MANAGER.label,
}


def english() -> bool:
    return (get_language() or "").startswith("en")


def local_name(obj: Any) -> str:
    """``name_en`` in English when there is one, else ``name`` (policies, branches)."""
    if obj is None:
        return ""
    name_en = getattr(obj, "name_en", None)
    if name_en and english():
        return str(name_en)
    return str(getattr(obj, "name", obj))


def duration_words(seconds: int | float) -> str:
    """``2 h 15 min``, ``3 d 4 h``, ``35 min`` (translated)."""
    minutes = int(abs(seconds)) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return gettext("%(m)d min") % {"m": mins}


def countdown_text(cd: Countdown) -> str:
    if cd.level in LEVEL_LABELS:
        return str(LEVEL_LABELS[cd.level])
    if cd.seconds_left is None:
        return "—"
    if cd.level == "overdue" and cd.seconds_left < 0:
        return gettext("%(t)s overdue") % {"t": duration_words(cd.seconds_left)}
    if cd.level == "overdue":
        return gettext("breached")
    return gettext("%(t)s left") % {"t": duration_words(cd.seconds_left)}


def countdown_tone(cd: Countdown) -> str:
    return LEVEL_TONES.get(cd.level, "secondary")


def in_branch_time(value: dt.datetime | None, branch: Any) -> dt.datetime | None:
    if value is None:
        return None
    tz = getattr(branch, "timezone", "") or "Asia/Shanghai"
    return value.astimezone(ZoneInfo(tz))


@register.filter
def branch_time(value: dt.datetime | None, branch: Any) -> str:
    """The instant in the branch's time zone, ``2025-10-08 14:00`` (the zone's name if not Beijing time)."""
    local = in_branch_time(value, branch)
    if local is None:
        return "—"
    text = local.strftime("%Y-%m-%d %H:%M")
    tz = getattr(branch, "timezone", "Asia/Shanghai")
    if local.utcoffset() != timezone.localtime(value).utcoffset():
        text += f" ({tz.split('/')[-1]})"
    return text


@register.filter(name="local_name")
def local_name_filter(obj: Any) -> str:
    return local_name(obj)


@register.filter
def policy_amount(policy: ClockPolicy) -> str:
    """``6 working time hours`` → ``6 h``, ``3 working days``… as the policy list shows it."""
    amount = _number(policy.amount)
    if policy.unit in ("end_of_day", "window"):
        return str(policy.get_unit_display())
    if policy.unit == "day_of_next_month":
        return gettext("day %(n)s of the next month") % {"n": amount}
    return f"{amount} {policy.get_unit_display()}"


@register.filter
def limit_amount(policy: ClockPolicy) -> str:
    if policy.limit_amount is None:
        return "—"
    return f"{_number(policy.limit_amount)} {policy.get_unit_display()}"


@register.filter
def percent(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    return f"{_number(Decimal(str(value)) * 100)} %"


def escalation_steps(steps: list[dict[str, Any]] | None) -> list[str]:
    """``["service supervisor ×1", "branch manager ×1.5", "head of service ×2"]``."""
    parts = []
    for step in steps or []:
        role = str(step.get("role", ""))
        label = ESCALATION_LABELS.get(role, role)
        parts.append(f"{label} ×{_number(Decimal(str(step.get('after', ''))))}")
    return parts


@register.filter
def escalation_chain(steps: list[dict[str, Any]] | None) -> str:
    """The steps joined by arrows, each kept on one line."""
    parts = escalation_steps(steps)
    if not parts:
        return "—"
    arrows = [""] + ["→ "] * (len(parts) - 1)
    return format_html_join(" ", '<span class="text-nowrap">{}{}</span>', zip(arrows, parts, strict=True))


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    if not value:
        return "0"
    return duration_words(value.total_seconds())


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@register.inclusion_tag("sla/_countdown.html")
def countdown_badge(clock: Clock, now: dt.datetime | None = None) -> dict[str, Any]:
    cd = countdown(clock, now=now)
    return {
        "clock": clock,
        "cd": cd,
        "text": countdown_text(cd),
        "tone": countdown_tone(cd),
        "live": cd.seconds_left is not None,
    }


@register.inclusion_tag("sla/_clocks.html", takes_context=True)
def clock_panel(context: template.Context, subject: models.Model, title: str = "") -> dict[str, Any]:
    """Every clock of ``subject`` that the signed-in person may see."""
    request = context.get("request")
    access = access_for(getattr(request, "user", None))
    clocks: list[Clock] = []
    if access.can("sla.view"):
        clocks = clocks_for_subject(
            access=access, subject_type=subject_type_of(subject), subject_id=int(subject.pk)
        )
    return {"clocks": clocks, "title": title or gettext("Deadlines")}


@register.simple_tag
def countdown_script() -> str:
    """The ``<script>`` of the live countdown, with its words in the page's language."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html(
        '<script src="{}" defer data-left="{}" data-over="{}" data-dh="{}" data-hm="{}" data-m="{}"></script>',
        static("sla/countdown.js"),
        gettext("%(t)s left"),
        gettext("%(t)s overdue"),
        gettext("%(d)d d %(h)d h"),
        gettext("%(h)d h %(m)d min"),
        gettext("%(m)d min"),
    )
