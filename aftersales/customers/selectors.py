from __future__ import annotations

from django.db.models import Q, QuerySet

from aftersales.access.policy import Access, get_scoped, scope
from aftersales.customers.models import Customer

CUSTOMER_SCOPE = {"customer_field": "pk", "dealer_field": "dealer_id"}


def customers_visible(*, access: Access) -> QuerySet[Customer]:
    return scope(Customer.objects.all(), access, "customers.view", **CUSTOMER_SCOPE)


def customers_search(
    *,
    access: Access,
    q: str = "",
    branch_id: int | None = None,
    zone_kind: str = "",
    active: bool | None = True,
    before_id: int | None = None,
) -> QuerySet[Customer]:
    qs = customers_visible(access=access).select_related("branch", "zone", "dealer")
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(number__icontains=q)
            | Q(phone__contains=q)
            | Q(contact_name__icontains=q)
        )
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if zone_kind:
        qs = qs.filter(zone__kind=zone_kind)
    if active is not None:
        qs = qs.filter(active=active)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-id")


def customer_get(*, access: Access, pk: int) -> Customer:
    return get_scoped(
        Customer.objects.select_related("branch", "zone", "dealer"),
        access,
        "customers.view",
        lookup={"pk": pk},
        **CUSTOMER_SCOPE,
    )
