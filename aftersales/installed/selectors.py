"""Reads of the installed base, always through the permission scope (staff by branch, portal by owner)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from aftersales.access.policy import Access, get_scoped, scope
from aftersales.audit.models import Event
from aftersales.common.errors import NotFound
from aftersales.installed.models import ServiceContract, Site, Unit

UNIT_SCOPE = {"branch_field": "branch", "customer_field": "customer", "dealer_field": "dealer"}
CONTRACT_SCOPE = {"branch_field": "branch", "customer_field": "customer", "dealer_field": "customer__dealer"}


def units_visible(*, access: Access) -> QuerySet[Unit]:
    """Staff by branch; technicians the units of orders assigned to them; portal users their own."""
    qs = scope(
        Unit.objects.all(), access, "installed.view", owner_fields=("orders__technician",), **UNIT_SCOPE
    )
    if access.owner_branches_for("installed.view"):
        qs = qs.filter(pk__in=qs.values("pk"))  # the join to orders must not repeat units
    return qs


def units_search(
    *,
    access: Access,
    q: str = "",
    branch_id: int | None = None,
    customer_id: int | None = None,
    product_line_id: int | None = None,
    warranty: str = "",
    today: dt.date | None = None,
    before_id: int | None = None,
) -> QuerySet[Unit]:
    """``q`` matches the serial, the customer's name or phone, or the model code.

    ``warranty`` is ``in`` or ``out`` (as of ``today``) or empty for all.
    """
    qs = units_visible(access=access).select_related(
        "product_model", "product_model__product_line", "customer", "branch", "site", "contract"
    )
    if q:
        qs = qs.filter(
            Q(serial__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(customer__phone__contains=q)
            | Q(product_model__code__icontains=q)
        )
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if product_line_id:
        qs = qs.filter(product_model__product_line_id=product_line_id)
    if warranty in {"in", "out"} and today is not None:
        qs = qs.filter(warranty_until__gte=today) if warranty == "in" else qs.filter(warranty_until__lt=today)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-id")


def _one(qs: QuerySet[Unit]) -> Unit:
    unit = qs.first()
    if unit is None:
        raise NotFound()
    return unit


def unit_get(*, access: Access, pk: int) -> Unit:
    return _one(
        units_visible(access=access)
        .select_related(
            "product_model",
            "product_model__product_line",
            "customer",
            "branch",
            "site",
            "dealer",
            "contract",
            "warranty_rule",
        )
        .filter(pk=pk)
    )


def unit_by_serial(*, access: Access, serial: str) -> Unit:
    return _one(
        units_visible(access=access)
        .select_related("product_model", "customer", "branch", "contract", "warranty_rule")
        .filter(serial__iexact=serial.strip())
    )


def unit_history(*, unit: Unit, limit: int = 500) -> list[Event]:
    """The unit's whole timeline (every capability records on subject ``installed.unit``).

    Call only after the caller was allowed to see ``unit``.
    """
    return list(
        Event.objects.filter(subject_type="installed.unit", subject_id=unit.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def contracts_visible(*, access: Access) -> QuerySet[ServiceContract]:
    return scope(ServiceContract.objects.all(), access, "contracts.view", **CONTRACT_SCOPE)


def contracts_search(
    *,
    access: Access,
    q: str = "",
    state: str = "",
    customer_id: int | None = None,
    before_id: int | None = None,
) -> QuerySet[ServiceContract]:
    qs = contracts_visible(access=access).select_related("customer", "branch")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    if state in ServiceContract.State.values:
        qs = qs.filter(state=state)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-id")


def contract_get(*, access: Access, pk: int) -> ServiceContract:
    return get_scoped(
        ServiceContract.objects.select_related("customer", "branch"),
        access,
        "contracts.view",
        lookup={"pk": pk},
        **CONTRACT_SCOPE,
    )


def sites_of_customer(*, customer_id: int) -> QuerySet[Site]:
    """Sites of a customer the caller was already allowed to see."""
    return Site.objects.filter(customer_id=customer_id).order_by("name")
