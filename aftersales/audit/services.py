"""Write the event trail. Services call :func:`event_record` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftersales.audit.models import Event
from aftersales.org.models import Branch, User


def subject_type_of(subject: models.Model) -> str:
    return subject._meta.label_lower


def event_record(
    *,
    kind: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    actor: User | None,
    branch: Branch | int | None = None,
    from_value: Any = "",
    to_value: Any = "",
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> Event:
    """Append one event. ``subject`` fills type/id/label; ``branch`` defaults to the subject's branch."""
    event = event_build(
        kind=kind,
        subject=subject,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label,
        actor=actor,
        branch=branch,
        from_value=from_value,
        to_value=to_value,
        data=data,
        reason=reason,
    )
    event.save()
    return event


def event_build(
    *,
    kind: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    subject_label: str = "",
    actor: User | None,
    branch: Branch | int | None = None,
    from_value: Any = "",
    to_value: Any = "",
    data: dict[str, Any] | None = None,
    reason: str = "",
) -> Event:
    """An unsaved event, for callers that append many at once with ``Event.objects.bulk_create``."""
    if subject is not None:
        subject_type = subject_type or subject_type_of(subject)
        subject_id = subject_id if subject_id is not None else subject.pk
        subject_label = subject_label or str(subject)
        if branch is None and hasattr(subject, "branch_id"):
            branch = subject.branch_id
    if not subject_type:
        raise ValueError("an event needs a subject or a subject_type")
    branch_id = branch.pk if isinstance(branch, Branch) else branch
    actor_name = ""
    if actor is not None:
        actor_name = actor.display_name if actor.is_authenticated else ""
    return Event(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=subject_label[:200],
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name[:150],
        branch_id=branch_id,
        from_value="" if from_value is None else str(from_value),
        to_value="" if to_value is None else str(to_value),
        data=data or {},
        reason=reason,
    )


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for the fields that changed (values as strings, for the trail)."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
