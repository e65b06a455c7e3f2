"""Pages of the troubleshooting tree: the editor (head office) and the intake panel's steps (agents)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from aftersales.access.policy import Access, access_for
from aftersales.calls.forms import CallForm
from aftersales.catalog.models import ProductLine
from aftersales.common.errors import DomainError, InvalidInput
from aftersales.triage.forms import NodeForm
from aftersales.triage.intake import fills, panel_context, resolution_text
from aftersales.triage.models import TroubleshootingNode
from aftersales.triage.selectors import product_lines, tree
from aftersales.triage.services import (
    can_manage,
    node_create,
    node_move,
    node_restore,
    node_retire,
    node_update,
)
from aftersales.web.decorators import page, user_of, wants_partial


def _manager(request: HttpRequest) -> Access:
    access = access_for(request.user)
    if not can_manage(access):
        raise Http404()  # a branch's manager: the tree is head office's page
    return access


def _line_key(raw: str | None, lines: list[ProductLine]) -> tuple[int, ProductLine | None]:
    """``line=<id>``; ``line=0``: the entries for every product line; absent: the first line."""
    if raw is not None and raw.strip().isdigit():
        pk = int(raw)
        if pk == 0:
            return 0, None
        for line in lines:
            if line.pk == pk:
                return pk, line
    used = set(
        TroubleshootingNode.objects.filter(parent__isnull=True, active=True).values_list(
            "product_line_id", flat=True
        )
    )
    for line in lines:  # the first product line that has a tree, else the first
        if line.pk in used:
            return line.pk, line
    if lines:
        return lines[0].pk, lines[0]
    return 0, None


def _editor_context(request: HttpRequest, key: int, line: ProductLine | None, **extra: Any) -> dict[str, Any]:
    show_retired = request.GET.get("retired", request.POST.get("retired", "")) == "1"
    return {
        "lines": product_lines(),
        "line": line,
        "line_key": key,
        "items": tree(product_line_id=line.pk if line else None, include_retired=show_retired),
        "show_retired": show_retired,
        **extra,
    }


def _tree_response(request: HttpRequest, node: TroubleshootingNode | None, notice: str) -> HttpResponse:
    """After a change: the tree again (htmx), or back to the editor page."""
    line_id = node.product_line_id if node is not None else None
    key = line_id or 0
    if wants_partial(request):
        context = _editor_context(request, key, node.product_line if node else None, notice=notice)
        response = render(request, "triage/editor.html#tree", context)
        return reswap(retarget(response, "#tree"), "outerHTML")
    messages.success(request, notice)
    retired = "&retired=1" if request.POST.get("retired") == "1" else ""
    return redirect(f"{reverse('triage:editor')}?line={key}{retired}")


@page("triage.manage")
def editor(request: HttpRequest) -> HttpResponse:
    _manager(request)
    lines = product_lines()
    key, line = _line_key(request.GET.get("line"), lines)
    context = _editor_context(request, key, line)
    if wants_partial(request):
        return render(request, "triage/editor.html#tree", context)
    return render(request, "triage/editor.html", context)


def _form_response(
    request: HttpRequest, form: NodeForm, *, node: TroubleshootingNode | None, parent: TroubleshootingNode | None,
    line_key: int, status: int = 200,
) -> HttpResponse:  # fmt: skip
    form.mark_errors()
    slot = f"slot-{node.pk}" if node else (f"slot-{parent.pk}" if parent else "slot-root")
    context = {"form": form, "node": node, "parent": parent, "line_key": line_key, "slot": slot}
    if wants_partial(request):
        response = render(request, "triage/editor.html#nodeform", context)
        return reswap(retarget(response, f"#{slot}"), "innerHTML")
    lines = product_lines()
    key, line = _line_key(str(line_key), lines)
    page_context = _editor_context(request, key, line, **context)
    return render(request, "triage/editor.html", page_context, status=status)


def _apply_errors(form: NodeForm, exc: DomainError) -> None:
    for name, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)
    if not exc.fields:
        form.add_error(None, exc.message)


@page("triage.manage")
def node_new(request: HttpRequest) -> HttpResponse:
    """Add an entry question (``?line=``) or an answer under a question (``?parent=``)."""
    access = _manager(request)
    source = request.POST if request.method == "POST" else request.GET
    parent_raw = source.get("parent", "")
    parent = TroubleshootingNode.objects.filter(pk=int(parent_raw)).first() if parent_raw.isdigit() else None
    if parent_raw.isdigit() and parent is None:
        raise Http404()
    key, line = _line_key(source.get("line"), product_lines())
    if parent is not None:
        key, line = parent.product_line_id or 0, parent.product_line
    form = NodeForm(
        request.POST or None,
        parent=parent,
        line=line,
        initial={"product_line_id": line.pk if line else None, "outcome": ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            node = node_create(
                parent_id=parent.pk if parent else None,
                data=form.to_data(),
                access=access,
                by=user_of(request),
            )
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            return _tree_response(request, node, _("Added “%(n)s”.") % {"n": node})
    status = 400 if form.errors else 200
    return _form_response(request, form, node=None, parent=parent, line_key=key, status=status)


@page("triage.manage")
def node_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = _manager(request)
    node = TroubleshootingNode.objects.select_related("parent").filter(pk=pk).first()
    if node is None:
        raise Http404()
    form = NodeForm(
        request.POST or None,
        parent=node.parent,
        line=node.product_line,
        initial=NodeForm.initial_for(node),
    )
    if request.method == "POST" and form.is_valid():
        try:
            node = node_update(node_id=node.pk, data=form.to_data(), access=access, by=user_of(request))
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            return _tree_response(request, node, _("Saved “%(n)s”.") % {"n": node})
    status = 400 if form.errors else 200
    key = node.product_line_id or 0
    return _form_response(request, form, node=node, parent=node.parent, line_key=key, status=status)


@require_POST
@page("triage.manage")
def node_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """up / down among the siblings, retire (with everything below), restore."""
    access = _manager(request)
    node = TroubleshootingNode.objects.filter(pk=pk).first()
    if node is None:
        raise Http404()
    by = user_of(request)
    try:
        if action in ("up", "down"):
            siblings = list(
                TroubleshootingNode.objects.filter(
                    parent_id=node.parent_id, product_line_id=node.product_line_id
                )
                .order_by("position", "pk")
                .values_list("pk", flat=True)
            )
            index = siblings.index(node.pk)
            target = max(0, index - 1) if action == "up" else min(len(siblings) - 1, index + 1)
            node = node_move(node_id=node.pk, position=target, access=access, by=by)
            notice = _("Moved.")
        elif action == "retire":
            node = node_retire(node_id=node.pk, access=access, by=by, reason=request.POST.get("reason", ""))
            notice = _("Retired “%(n)s” and its answers.") % {"n": node}
        elif action == "restore":
            node = node_restore(node_id=node.pk, access=access, by=by)
            notice = _("Restored “%(n)s”.") % {"n": node}
        else:
            raise Http404()
    except DomainError as exc:
        notice = exc.message
    return _tree_response(request, node, notice)


# --------------------------------------------------------------------------- intake panel


@page("calls.register")
def walk_step(request: HttpRequest) -> HttpResponse:
    """One step of the intake panel (htmx): the panel again, and the call form's fields it fills."""
    access = access_for(request.user)
    context = panel_context(access=access, source=request.GET)
    if context is None:
        raise Http404()
    if not wants_partial(request):
        return redirect(f"{reverse('calls:new')}?{request.GET.urlencode()}")
    state = context["walk"]
    fill = fills(state, context["filled"])
    leaf = state.leaf
    initial: dict[str, Any] = {}
    if fill["fill_resolved"]:
        initial.update(resolved_remotely=True, resolution_note=resolution_text(state))
    if fill["fill_fault"] and leaf is not None:
        initial["fault_category_id"] = leaf.fault_category_id
    context.update(
        fill,
        filled=fill["fill_resolved"],
        form=CallForm(initial=initial),
        oob=False,
    )
    return render(request, "triage/_panel.html", context)
