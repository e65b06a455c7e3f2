"""The person's notifications (the bell): newest first, unread highlighted, mark read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from aftersales.common.paging import keyset_page, parse_before
from aftersales.notifications.models import Notification
from aftersales.notifications.services import mark_read
from aftersales.web.decorators import page, user_of, wants_partial


@page("home.view")
def notification_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    unread_only = request.GET.get("unread") == "1"
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    before = parse_before(request)
    if before:
        qs = qs.filter(pk__lt=before)
    context = {
        "page": keyset_page(qs.order_by("-pk"), size=50),
        "unread_only": unread_only,
        "query": "unread=1" if unread_only else "",
    }
    template = "notifications/list.html#rows" if wants_partial(request) else "notifications/list.html"
    return render(request, template, context)


@require_POST
@page("home.view")
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404()
    mark_read(user=user, notification_id=pk)
    notification.refresh_from_db()
    if wants_partial(request):
        item = render_to_string("notifications/list.html#item", {"n": notification}, request=request)
        bell = render_to_string("notifications/_bell.html", {"oob": True}, request=request)
        return HttpResponse(item + bell)
    return redirect("notifications:list")


@require_POST
@page("home.view")
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    mark_read(user=user)
    if wants_partial(request):
        qs = Notification.objects.filter(recipient=user).order_by("-pk")
        return render(
            request,
            "notifications/list.html#rows",
            {"page": keyset_page(qs, size=50), "unread_only": False, "query": "", "oob_bell": True},
        )
    return redirect("notifications:list")
