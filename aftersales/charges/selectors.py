"""Reads of money records, scoped by the person's branches (``money.view``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from aftersales.access.policy import Access, scope
from aftersales.calls.models import ServiceOrder
from aftersales.charges.models import Invoice, Payment


def invoices_visible(*, access: Access) -> QuerySet[Invoice]:
    return scope(Invoice.objects.all(), access, "money.view")


def payments_visible(*, access: Access) -> QuerySet[Payment]:
    return scope(Payment.objects.all(), access, "money.view")


def invoices_to_issue(*, access: Access) -> QuerySet[Invoice]:
    """Requested invoices, oldest first (the accountant issues them the same day)."""
    return (
        invoices_visible(access=access)
        .filter(state=Invoice.State.REQUESTED)
        .select_related("order", "branch", "customer", "requested_by")
        .order_by("requested_at", "pk")
    )


def invoices_unpaid(*, access: Access) -> QuerySet[Invoice]:
    return (
        invoices_visible(access=access)
        .filter(state=Invoice.State.ISSUED)
        .select_related("order", "branch", "customer", "issued_by")
        .order_by("issued_at", "pk")
    )


def payments_on(*, access: Access, day: dt.date) -> QuerySet[Payment]:
    """Payments and refunds recorded on ``day`` (in the server's time zone)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return (
        payments_visible(access=access)
        .filter(received_at__gte=start, received_at__lt=start + dt.timedelta(days=1))
        .select_related("order", "branch", "invoice", "received_by", "approved_by")
        .order_by("received_at", "pk")
    )


def order_money(*, order: ServiceOrder) -> tuple[list[Payment], list[Invoice]]:
    """The payments and invoices of one order (the caller has checked the order is visible)."""
    payments = list(order.payments.select_related("received_by", "approved_by", "invoice").order_by("pk"))
    invoices = list(order.invoices.order_by("pk"))
    return payments, invoices


def is_late(invoice: Invoice, now: dt.datetime | None = None) -> bool:
    """Requested on an earlier day (branch time) and still not issued: the same-day target is missed."""
    tz = invoice.branch.tzinfo
    now = now or timezone.now()
    return timezone.localtime(invoice.requested_at, tz).date() < timezone.localtime(now, tz).date()


def order_money_block(*, access: Access, order: ServiceOrder) -> dict[str, Any]:
    """What the order page shows about money: the amount due, payments, invoices and — for people
    with ``money.view`` — the order's cost against its revenue."""
    from aftersales.charges.economics import order_economics
    from aftersales.charges.models import PaymentMethod
    from aftersales.charges.money import accepted_quote, amount_due

    staff = (access.is_staff_member and access.can("calls.view", order.branch_id)) or (
        order.technician_id is not None and order.technician_id == access.user_id
    )
    if not staff:
        return {}
    payments, invoices = order_money(order=order)
    sees_money = access.can("money.view", order.branch_id)
    return {
        "money_due": amount_due(order),
        "money_quote": accepted_quote(order),
        "money_payments": payments,
        "money_invoices": invoices,
        "money_methods": PaymentMethod.choices,
        "economics": order_economics(order) if sees_money else None,
    }
