"""The triage panel of the intake screen (/calls/new/): its state from the request, and the walk recorded
with the call. Used by calls.views.call_new and by the panel's own htmx view."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.common.errors import DomainError
from aftersales.org.models import User
from aftersales.triage.models import Outcome, TriageRun, path_summary
from aftersales.triage.selectors import Walk, product_lines, walk
from aftersales.triage.services import can_walk, parse_path, path_steps, triage_record


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.strip().isdigit() else None


def panel_context(
    *, access: Access, source: QueryDict, default_line_id: int | None = None
) -> dict[str, Any] | None:
    """The panel's state from the request (``triage_line``, ``triage_path``); None if the person may
    not walk the tree. A fresh panel takes the product line of the unit looked up."""
    if not can_walk(access):
        return None
    try:
        ids = parse_path(source.get("triage_path", ""))
    except DomainError as exc:
        ids, error = [], exc.message
    else:
        error = ""
    line_id = _int(source.get("triage_line"))
    if not ids and default_line_id is not None:
        line_id = default_line_id
    state = walk(product_line_id=line_id, node_ids=ids)
    if error and not state.error:
        state.error = error
    return {
        "walk": state,
        "lines": product_lines(),
        "options": [(n, state.path_to(n)) for n in state.choices],
        "filled": source.get("triage_filled") == "1",
    }


def resolution_text(state: Walk) -> str:
    """What goes into the call's resolution: the advice read to the customer, then the path."""
    leaf = state.leaf
    advice = leaf.advice if leaf is not None else ""
    summary = path_summary(path_steps(state.nodes))
    return f"{advice}\n{_('Triage')}: {summary}".strip()


def fills(state: Walk, was_filled: bool) -> dict[str, Any]:
    """Which fields of the call form the panel fills (out-of-band) after this step."""
    leaf = state.leaf
    out: dict[str, Any] = {"fill_resolved": False, "clear_resolved": False, "fill_fault": False}
    if leaf is not None and leaf.outcome == Outcome.RESOLVED_BY_PHONE:
        out["fill_resolved"] = True
    elif was_filled:
        out["clear_resolved"] = True
    if leaf is not None and leaf.fault_category_id:
        out["fill_fault"] = True
    return out


def triage_from_post(*, call_id: int, data: QueryDict, access: Access, by: User) -> TriageRun | None:
    """Record the walk the intake form carried (``triage_path``), if any, on the call just registered."""
    ids = parse_path(data.get("triage_path", ""))
    if not ids or not can_walk(access):
        return None
    return triage_record(
        node_ids=ids, call_id=call_id, product_line_id=_int(data.get("triage_line")), access=access, by=by
    )
