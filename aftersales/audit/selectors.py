from __future__ import annotations

import datetime

from django.db.models import Model, QuerySet

from aftersales.access.policy import Access, scope
from aftersales.audit.models import Event


def events_visible(
    *,
    access: Access,
    actor_id: int | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    kind: str = "",
    branch_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    before_id: int | None = None,
) -> QuerySet[Event]:
    qs = scope(Event.objects.all(), access, "audit.view").select_related("actor", "branch")
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if subject_type:
        qs = qs.filter(subject_type=subject_type)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if kind:
        qs = qs.filter(kind=kind)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-id")


def events_for_subject(*, subject: Model, limit: int = 200) -> list[Event]:
    """The timeline of one record. Call only after the caller was allowed to see ``subject``."""
    return list(
        Event.objects.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )
