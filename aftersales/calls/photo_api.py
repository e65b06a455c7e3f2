"""``/api/v1/orders/{id}/photos``: the same photo service and permissions as the on-site page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.calls.models import OrderPhoto
from aftersales.calls.photos import photo_add, photo_remove
from aftersales.calls.selectors import orders_visible
from aftersales.common.errors import NotFound

router = Router(tags=["photos"])


class PhotoOut(Schema):
    id: int
    order_id: int
    kind: str
    caption: str
    width: int
    height: int
    size_bytes: int
    taken_by: str
    taken_at: dt.datetime
    url: str
    thumbnail_url: str


class RemoveIn(Schema):
    reason: str


def _out(p: OrderPhoto) -> dict[str, Any]:
    return {
        "id": p.pk,
        "order_id": p.order_id,
        "kind": p.kind,
        "caption": p.caption,
        "width": p.width,
        "height": p.height,
        "size_bytes": p.size_bytes,
        "taken_by": p.taken_by.username,
        "taken_at": p.taken_at,
        "url": f"/api/v1/photos/{p.pk}/full.jpg",
        "thumbnail_url": f"/api/v1/photos/{p.pk}/thumb.jpg",
    }


def _visible_photos(request: HttpRequest) -> Any:
    return OrderPhoto.objects.filter(
        removed_at__isnull=True, order__in=orders_visible(access=access_for(request.user))
    ).select_related("taken_by")


@router.get("/orders/{order_id}/photos", response=list[PhotoOut])
def photos_list(request: HttpRequest, order_id: int) -> Any:
    if not orders_visible(access=access_for(request.user)).filter(pk=order_id).exists():
        raise NotFound()
    return [_out(p) for p in _visible_photos(request).filter(order_id=order_id).order_by("pk")]


@router.post("/orders/{order_id}/photos", response={201: PhotoOut})
def photos_add(
    request: HttpRequest,
    order_id: int,
    photo: File[UploadedFile],
    kind: Form[str] = "fault",
    caption: Form[str] = "",
) -> Any:
    """Upload one photo (multipart, field ``photo``): stored as JPEG, longest side 1600 px, no EXIF."""
    if not orders_visible(access=access_for(request.user)).filter(pk=order_id).exists():
        raise NotFound()
    added = photo_add(
        order_id=order_id,
        data=photo.read(),
        kind=kind,
        caption=caption,
        access=access_for(request.user),
        by=request_user(request),
    )
    return Status(201, _out(OrderPhoto.objects.select_related("taken_by").get(pk=added.pk)))


@router.get("/photos/{photo_id}/{size}.jpg")
def photos_file(request: HttpRequest, photo_id: int, size: str) -> FileResponse:
    photo = _visible_photos(request).filter(pk=photo_id).first()
    if photo is None or size not in ("full", "thumb"):
        raise NotFound()
    field = photo.thumbnail if size == "thumb" else photo.image
    try:
        return FileResponse(field.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise NotFound() from None


@router.post("/photos/{photo_id}/remove", response=PhotoOut)
def photos_remove(request: HttpRequest, photo_id: int, payload: RemoveIn) -> Any:
    photo = _visible_photos(request).filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    photo_remove(
        photo_id=photo_id, reason=payload.reason, access=access_for(request.user), by=request_user(request)
    )
    photo.refresh_from_db()
    return _out(photo)
