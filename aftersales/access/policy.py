"""The one permission layer: pages, API and exports all ask it.

A permission names an action (``customers.view``); :data:`PERMISSIONS` says which roles hold it.
Where a role holds it decides the scope: a role at head office reaches every branch, a role in a
branch reaches that branch, an ownership role (technician) reaches only the records assigned to
the person, and a portal role reaches only the customer's or dealer's own records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model, Q, QuerySet

from aftersales.common.errors import NotFound
from aftersales.org.roles import OWNERSHIP_ROLES, PORTAL_ROLES, STAFF_ROLES, Role

R = Role
_ALL_STAFF = frozenset(STAFF_ROLES)

PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": frozenset(Role),
    "branches.view": _ALL_STAFF,
    "people.view": frozenset(
        {R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.EXECUTIVE, R.ASSESSOR, R.QUALITY_MANAGER}
    ),
    "people.manage": frozenset({R.ADMIN}),
    "audit.view": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER, R.EXECUTIVE, R.QUALITY_MANAGER, R.ASSESSOR}),
    "customers.view": frozenset(
        {
            R.ADMIN,
            R.AGENT,
            R.SUPERVISOR,
            R.MANAGER,
            R.TECHNICIAN,
            R.ACCOUNTANT,
            R.QUALITY,
            R.QUALITY_MANAGER,
            R.EXECUTIVE,
            R.WAREHOUSE,
            R.CUSTOMER,
            R.DEALER,
        }
    ),
    "customers.edit": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER}),
    "customers.export": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.EXECUTIVE, R.ACCOUNTANT}),
    "jobs.view": frozenset({R.ADMIN}),
    # Service-level clocks: everyone on the staff sees the clocks of the work they may see.
    "sla.view": _ALL_STAFF,
    "sla.reports": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER, R.EXECUTIVE, R.QUALITY_MANAGER, R.ASSESSOR}),
    "sla.calendar.manage": frozenset({R.ADMIN}),
    "sla.calendar.branch": frozenset({R.ADMIN, R.MANAGER}),
    "sla.policies.manage": frozenset({R.ADMIN}),
    "rules.manage": frozenset({R.ADMIN}),
    # Installed base: what customers have, under which warranty and contract.
    "installed.view": frozenset(
        {
            R.ADMIN,
            R.AGENT,
            R.SUPERVISOR,
            R.MANAGER,
            R.TECHNICIAN,
            R.WAREHOUSE,
            R.ACCOUNTANT,
            R.QUALITY,
            R.QUALITY_MANAGER,
            R.EXECUTIVE,
            R.ASSESSOR,
            R.CUSTOMER,
            R.DEALER,
        }
    ),
    "installed.edit": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER}),
    "installed.import": frozenset({R.ADMIN, R.MANAGER}),
    "contracts.view": frozenset(
        {R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.ACCOUNTANT, R.EXECUTIVE, R.CUSTOMER, R.DEALER}
    ),
    "contracts.edit": frozenset({R.ADMIN, R.MANAGER, R.SUPERVISOR}),
    # Service calls and orders: technicians see the orders assigned to them.
    "calls.view": frozenset(
        {
            R.ADMIN,
            R.AGENT,
            R.SUPERVISOR,
            R.MANAGER,
            R.TECHNICIAN,
            R.ACCOUNTANT,
            R.QUALITY,
            R.QUALITY_MANAGER,
            R.EXECUTIVE,
            R.ASSESSOR,
            R.CUSTOMER,
            R.DEALER,
        }
    ),
    "calls.register": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.TECHNICIAN}),
    "orders.dispatch": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER}),
    # Hard faults: the branch supervisor answers first; the technical department (granted at head
    # office) when the first solution failed.
    "faults.answer": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER}),
    "faults.engineer": frozenset({R.ADMIN, R.QUALITY_MANAGER, R.MANAGER}),
    "quotes.view": frozenset(
        {R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.ACCOUNTANT, R.EXECUTIVE, R.TECHNICIAN}
    ),
    "quotes.edit": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.TECHNICIAN}),
    # The troubleshooting tree is head office's master data (triage.services.can_manage asks for
    # the grant at head office); everybody who registers calls walks it.
    "triage.manage": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER}),
    # Money: payments, invoices, order cost against revenue (finance's cost accounting).
    "money.view": frozenset({R.ADMIN, R.MANAGER, R.ACCOUNTANT, R.EXECUTIVE}),
    "money.record": frozenset({R.ADMIN, R.MANAGER, R.ACCOUNTANT}),
    "invoices.issue": frozenset({R.ADMIN, R.ACCOUNTANT}),
    # Spare-parts stock (aftersales.stock, docs/stock.md): a technician sees and moves only his van.
    # stock.approve (write-offs): held in a branch by its manager, at head office also by the
    # warehouse keepers (the warehouse supervisor of the procedures); never by the person who asked,
    # and above the write-off threshold only the executive (stock.services.writeoff_may_decide).
    "stock.view": frozenset(
        {
            R.ADMIN,
            R.WAREHOUSE,
            R.MANAGER,
            R.SUPERVISOR,
            R.TECHNICIAN,
            R.ACCOUNTANT,
            R.QUALITY,
            R.QUALITY_MANAGER,
            R.EXECUTIVE,
        }
    ),
    "stock.move": frozenset({R.ADMIN, R.WAREHOUSE, R.MANAGER, R.TECHNICIAN}),
    "stock.approve": frozenset({R.ADMIN, R.MANAGER, R.WAREHOUSE, R.EXECUTIVE}),
    # The monthly parts analysis (aftersales.partsreports, docs/parts-reports.md).
    "stock.reports": frozenset({R.ADMIN, R.MANAGER, R.EXECUTIVE, R.WAREHOUSE}),
    # The parts master (catalog.services.can_edit_parts asks for the grant at head office).
    "parts.edit": frozenset({R.ADMIN, R.MANAGER, R.WAREHOUSE}),
    # Parts supply requests (补件, docs/supply.md). Approval: the transition table asks the branch
    # supervisor (after-sales lead) first, then the quality manager (quality office head).
    "supply.view": frozenset(
        {
            R.ADMIN,
            R.AGENT,
            R.SUPERVISOR,
            R.MANAGER,
            R.WAREHOUSE,
            R.QUALITY,
            R.QUALITY_MANAGER,
            R.EXECUTIVE,
            R.ACCOUNTANT,
            R.CUSTOMER,
            R.DEALER,
        }
    ),
    "supply.apply": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.CUSTOMER, R.DEALER}),
    "supply.approve": frozenset({R.ADMIN, R.SUPERVISOR, R.QUALITY_MANAGER}),
    "supply.fulfil": frozenset({R.ADMIN, R.AGENT, R.SUPERVISOR, R.MANAGER, R.WAREHOUSE}),
    "supply.check": frozenset({R.ADMIN, R.SUPERVISOR, R.MANAGER, R.WAREHOUSE, R.QUALITY}),
    "supply.ship": frozenset({R.ADMIN, R.MANAGER, R.WAREHOUSE}),
}

ALL: Literal["all"] = "all"


@dataclass(frozen=True)
class Access:
    user_id: int | None
    grants: frozenset[tuple[str, int]]
    head_office_id: int | None
    customer_id: int | None = None
    dealer_id: int | None = None
    is_superuser: bool = False

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _ in self.grants)

    @property
    def is_staff_member(self) -> bool:
        return self.is_superuser or any(role in STAFF_ROLES for role in self.roles)

    @property
    def is_portal(self) -> bool:
        return not self.is_staff_member and any(role in PORTAL_ROLES for role in self.roles)

    def has_role(self, role: str, branch_id: int | None = None) -> bool:
        return any(r == role and (branch_id is None or b == branch_id) for r, b in self.grants)

    def branches_for(self, perm: str) -> Literal["all"] | frozenset[int]:
        """Branches where the person sees every record of ``perm`` (not only their own)."""
        if self.is_superuser:
            return ALL
        roles = PERMISSIONS.get(perm, frozenset())
        full = frozenset(
            b for r, b in self.grants if r in roles and r not in OWNERSHIP_ROLES and r in STAFF_ROLES
        )
        if self.head_office_id is not None and self.head_office_id in full:
            return ALL
        return full

    def owner_branches_for(self, perm: str) -> frozenset[int]:
        roles = PERMISSIONS.get(perm, frozenset())
        return frozenset(b for r, b in self.grants if r in roles and r in OWNERSHIP_ROLES)

    def portal_for(self, perm: str) -> bool:
        roles = PERMISSIONS.get(perm, frozenset())
        return any(r in roles and r in PORTAL_ROLES for r in self.roles)

    def can(self, perm: str, branch_id: int | None = None) -> bool:
        """May the person do ``perm`` at all (branch_id None) or in that branch."""
        if self.is_superuser:
            return True
        full = self.branches_for(perm)
        if branch_id is None:
            return full == ALL or bool(full) or bool(self.owner_branches_for(perm)) or self.portal_for(perm)
        return full == ALL or branch_id in full

    def can_on(self, perm: str, *, branch_id: int, owner_id: int | None) -> bool:
        """May the person do ``perm`` on one record: anywhere in its branch, or, with an
        ownership role (a technician), on a record that is their own (``owner_id``: the order's
        technician, the van's holder)."""
        if self.can(perm, branch_id):
            return True
        return (
            owner_id is not None and owner_id == self.user_id and branch_id in self.owner_branches_for(perm)
        )


ANONYMOUS = Access(user_id=None, grants=frozenset(), head_office_id=None)


def access_for(user: Any) -> Access:
    """The person's access, computed once per request and kept on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_access", None)
    if cached is not None:
        return cached
    from aftersales.customers.models import PortalAccount
    from aftersales.org.models import Branch, RoleAssignment

    grants = frozenset(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "branch_id"))
    head_office_id = Branch.objects.filter(is_head_office=True).values_list("pk", flat=True).first()
    portal: Any = (
        PortalAccount.objects.filter(user_id=user.pk).values("customer_id", "dealer_id").first() or {}
    )
    access = Access(
        user_id=user.pk,
        grants=grants,
        head_office_id=head_office_id,
        customer_id=portal.get("customer_id"),
        dealer_id=portal.get("dealer_id"),
        is_superuser=bool(user.is_superuser),
    )
    user._access = access
    return access


def scope[M: Model](
    qs: QuerySet[M],
    access: Access,
    perm: str,
    *,
    branch_field: str = "branch",
    owner_fields: Sequence[str] = (),
    customer_field: str | None = None,
    dealer_field: str | None = None,
) -> QuerySet[M]:
    """Filter ``qs`` to what ``access`` may see for ``perm``. Nothing is visible unless granted."""
    if access.user_id is None:
        return qs.none()
    full = access.branches_for(perm)
    if full == ALL:
        return qs
    condition = Q(pk__in=[])
    if full:
        condition |= Q(**{f"{branch_field}__in": sorted(full)})
    owner_branches = access.owner_branches_for(perm) - (full if full != ALL else frozenset())
    if owner_branches and owner_fields:
        owned = Q(pk__in=[])
        for name in owner_fields:
            owned |= Q(**{name: access.user_id})
        condition |= Q(**{f"{branch_field}__in": sorted(owner_branches)}) & owned
    if access.portal_for(perm):
        if customer_field and access.customer_id is not None and access.has_role(Role.CUSTOMER):
            condition |= Q(**{customer_field: access.customer_id})
        if dealer_field and access.dealer_id is not None and access.has_role(Role.DEALER):
            condition |= Q(**{dealer_field: access.dealer_id})
    return qs.filter(condition)


def get_scoped[M: Model](
    qs: QuerySet[M], access: Access, perm: str, *, lookup: dict[str, Any], **scope_kw: Any
) -> M:
    """Fetch one record the person may see, or raise NotFound: an outsider learns nothing."""
    obj = scope(qs, access, perm, **scope_kw).filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj
