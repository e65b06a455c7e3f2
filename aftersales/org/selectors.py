from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from aftersales.access.policy import ALL, Access
from aftersales.org.models import Branch, RoleAssignment, User


def branches_visible(*, access: Access) -> QuerySet[Branch]:
    visible = access.branches_for("branches.view")
    qs = Branch.objects.filter(active=True)
    if visible == ALL:
        return qs
    return qs.filter(pk__in=sorted(visible | access.owner_branches_for("branches.view")))


def people_visible(
    *, access: Access, branch_id: int | None = None, role: str = "", q: str = ""
) -> QuerySet[User]:
    visible = access.branches_for("people.view")
    qs = (
        User.objects.filter(is_active=True)
        .select_related("home_branch")
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("branch"))
        )
    )
    if visible != ALL:
        if not visible:
            return qs.none()
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(branch_id__in=sorted(visible)).values("user_id"))
    if branch_id:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(branch_id=branch_id).values("user_id"))
    if role:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(role=role).values("user_id"))
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q) | Q(phone__icontains=q))
    return qs.order_by("username")
