"""``{% report_charges order as charges %}``: the charges printed on the service report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from aftersales.calls.models import ServiceOrder

register = template.Library()


@register.simple_tag
def report_charges(order: ServiceOrder) -> dict[str, Any]:
    """Lines and total of the accepted quote (or why nothing is charged) and how it was settled."""
    from aftersales.charges.money import accepted_quote
    from aftersales.charges.services import charge_basis

    basis = charge_basis(order)
    quote = accepted_quote(order)
    lines = list(quote.lines.order_by("pk")) if quote is not None else []
    if quote is not None:
        note = basis.reason
    elif order.service_type == "contract":
        note = _("Contract: %(r)s — no charge.") % {"r": basis.reason}
    elif basis.parts == basis.labour == basis.travel == "free":
        note = _("Free — in warranty.")
    else:
        note = _("No charge agreed.")
    payments = list(order.payments.filter(invoice__isnull=True).order_by("pk"))
    invoices = list(order.invoices.exclude(state="cancelled").order_by("pk"))
    return {
        "quote": quote,
        "lines": lines,
        "total": quote.total if quote is not None else Decimal(0),
        "list_total": quote.list_total if quote is not None else Decimal(0),
        "discount": quote.list_total - quote.total if quote is not None else Decimal(0),
        "note": note,
        "payments": payments,
        "invoices": invoices,
    }
