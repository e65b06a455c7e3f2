"""One helper for every workflow: an explicit transition table, guards inside the locked transaction.

A workflow declares ``TABLE = {(from_state, to_state): Step(...)}``. Its single service entry point
locks the record (``select_for_update``), then calls :func:`transition`, which checks the table,
runs the step's guards, sets the state and appends the event. The table also tells the UI which
buttons an actor may press (:func:`allowed_steps`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from aftersales.common.errors import InvalidTransition, PermissionDenied


class Guard(Protocol):
    def __call__(self, obj: Any, /, *, by: Any) -> str | None:
        """Return None when allowed, or a translated message saying why not."""


@dataclass(frozen=True)
class Step:
    label: str
    roles: frozenset[str] = frozenset()  # empty: any role allowed by the caller's permission check
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    event_kind: str = "state_changed"
    extra: Mapping[str, Any] = field(default_factory=dict)


TransitionTable = Mapping[tuple[str, str], Step]


def allowed_steps(
    table: TransitionTable, *, state: str, roles: Iterable[str] | None = None
) -> list[tuple[str, Step]]:
    role_set = set(roles) if roles is not None else None
    return [
        (to, step)
        for (frm, to), step in table.items()
        if frm == state and (role_set is None or not step.roles or step.roles & role_set)
    ]


def transition(
    obj: models.Model,
    *,
    table: TransitionTable,
    to: str,
    by: Any,
    roles: Iterable[str] = (),
    reason: str = "",
    state_field: str = "state",
    data: dict[str, Any] | None = None,
    record: Callable[..., Any] | None = None,
) -> Step:
    """Move ``obj`` to ``to``. The caller must hold the row lock. Writes the event; does not save."""
    from aftersales.audit.services import event_record

    current = getattr(obj, state_field)
    step = table.get((current, to))
    if step is None:
        raise InvalidTransition(
            _("Cannot go from “%(from)s” to “%(to)s”.") % {"from": current, "to": to},
            fields={
                state_field: [_("Allowed next states: %(states)s") % {"states": _next_states(table, current)}]
            },
        )
    if step.roles and not (step.roles & set(roles)):
        raise PermissionDenied(_("Your role may not do “%(step)s”.") % {"step": step.label})
    if step.needs_reason and not reason.strip():
        raise InvalidTransition(
            _("“%(step)s” needs a reason.") % {"step": step.label}, fields={"reason": [_("Give a reason.")]}
        )
    for guard in step.guards:
        problem = guard(obj, by=by)
        if problem:
            raise InvalidTransition(problem)
    setattr(obj, state_field, to)
    (record or event_record)(
        kind=step.event_kind,
        subject=obj,
        actor=by,
        from_value=current,
        to_value=to,
        reason=reason,
        data=data or {},
    )
    return step


def _next_states(table: TransitionTable, state: str) -> str:
    states = [to for (frm, to) in table if frm == state]
    return ", ".join(states) if states else "—"
