"""Context for every page: navigation by role, the person's access, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.access.policy import access_for

NAV = [
    # (url name, label, icon, permission)
    ("home", _("My work"), "house", "home.view"),
    ("customers:list", _("Customers"), "building", "customers.view"),
    ("calls:list", _("Calls"), "telephone", "calls.view"),
    ("installed:units", _("Installed base"), "hdd-stack", "installed.view"),
    ("stock:levels", _("Parts stock"), "box-seam", "stock.view"),
    ("supply:list", _("Parts requests"), "truck", "supply.view"),
    ("org:people", _("People"), "people", "people.view"),
    ("sla:clocks", _("Deadlines"), "stopwatch", "sla.view"),
    ("sla:reports", _("Reports"), "bar-chart", "sla.reports"),
    ("audit:list", _("Audit trail"), "clock-history", "audit.view"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    access = access_for(user)
    nav = []
    unread = 0
    if access.user_id is not None:
        from aftersales.notifications.services import unread_count

        unread = unread_count(user=user)  # type: ignore[arg-type]
        for name, label, icon, perm in NAV:
            if access.can(perm):
                nav.append(
                    {"url": reverse(name), "label": label, "icon": icon, "active": _is_active(request, name)}
                )
    return {
        "access": access,
        "nav_items": nav,
        "company_name": settings.COMPANY_NAME,
        "unread_notifications": unread,
        "show_admin": bool(user is not None and getattr(user, "is_staff", False)),
    }


def _is_active(request: HttpRequest, name: str) -> bool:
    url = reverse(name)
    return request.path == url if url == "/" else request.path.startswith(url)
