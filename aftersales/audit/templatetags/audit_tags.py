from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from aftersales.audit.labels import event_label

register = template.Library()

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


@register.filter(name="event_label")
def event_label_filter(kind: str) -> str:
    return event_label(kind)


@lru_cache(maxsize=64)
def _state_choices(subject_type: str) -> dict[str, Any]:
    """The labels of the record's workflow states (its ``state`` field's choices), if it has one."""
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        return {}
    try:
        field = model._meta.get_field("state")
    except FieldDoesNotExist:
        return {}
    return dict(getattr(field, "choices", None) or [])


@lru_cache(maxsize=1)
def _clock_states() -> dict[str, Any]:
    from aftersales.sla.models import ClockState

    return dict(ClockState.choices)


@register.filter(name="event_value")
def event_value(value: Any, event: Any) -> Any:
    """A trail value as a person reads it: a workflow state by its label, an ISO time as
    "2026-11-26 13:08" (in the offset it was written with).

    ``event`` is the event (or its subject type): a clock's events are filed on the record the
    clock runs for, and their values are the clock's states, not the record's."""
    subject_type = event if isinstance(event, str) else event.subject_type
    kind = "" if isinstance(event, str) else event.kind
    if not isinstance(value, str) or not value:
        return value
    if kind.startswith("clock_") and value in _clock_states():
        return _clock_states()[value]
    if ISO_DATETIME.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    label = _state_choices(subject_type).get(value)
    return label if label is not None else value
