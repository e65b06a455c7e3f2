"""Photos of an order: upload from the on-site page (the phone's camera), view, remove.

Files are served through these views, never from a public media URL: whoever cannot see the order
gets a 404 for its photos too."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.calls.models import OrderPhoto, PhotoKind, ServiceOrder
from aftersales.calls.photos import photo_add, photo_remove
from aftersales.calls.selectors import orders_visible
from aftersales.common.errors import DomainError, InvalidInput
from aftersales.web.decorators import page, user_of


def _gallery(
    request: HttpRequest, order: ServiceOrder, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "calls/_photos.html",
        {
            "order": order,
            "photos": order.live_photos(),
            "kinds": PhotoKind.choices,
            "photo_error": error,
            "can_add": True,
        },
        status=status,
    )


@page("calls.view")
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = orders_visible(access=access).filter(pk=pk).first()
    if order is None:
        raise Http404()
    files = request.FILES.getlist("photo")
    error = ""
    added = 0
    try:
        if not files:
            raise InvalidInput(_("photo: choose or take a picture first."), fields={"photo": [_("required")]})
        for upload in files:
            photo_add(
                order_id=order.pk,
                data=upload.read(),
                kind=request.POST.get("kind", PhotoKind.FAULT),
                caption=request.POST.get("caption", ""),
                access=access,
                by=user_of(request),
            )
            added += 1
    except DomainError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        return _gallery(request, order, error=error, status=400 if error and not added else 200)
    if error:
        messages.error(request, error)
    return redirect("calls:onsite", pk=order.pk)


def _photo(request: HttpRequest, photo_id: int) -> OrderPhoto:
    access = access_for(request.user)
    photo = (
        OrderPhoto.objects.filter(
            pk=photo_id, removed_at__isnull=True, order__in=orders_visible(access=access)
        )
        .only("pk", "image", "thumbnail", "order_id")
        .first()
    )
    if photo is None:
        raise Http404()
    return photo


@page("calls.view")
def photo_file(request: HttpRequest, photo_id: int, size: str) -> FileResponse:
    photo = _photo(request, photo_id)
    field = photo.thumbnail if size == "thumb" else photo.image
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404() from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@page("calls.view")
@require_POST
def photo_remove_view(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = _photo(request, photo_id)
    access = access_for(request.user)
    try:
        photo_remove(
            photo_id=photo.pk, reason=request.POST.get("reason", ""), access=access, by=user_of(request)
        )
        error = ""
    except DomainError as exc:
        error = exc.message
    order = ServiceOrder.objects.get(pk=photo.order_id)
    if request.headers.get("HX-Request"):
        return _gallery(request, order, error=error, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("calls:onsite", pk=order.pk)
