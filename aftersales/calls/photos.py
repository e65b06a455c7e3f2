"""Photos on a service order: taken on site by the technician (or added by a supervisor), stored
re-encoded as JPEG without EXIF (no location or phone data kept), with a thumbnail for the pages.

Limits are technical settings (``PHOTO_MAX_BYTES``, ``PHOTO_MAX_PER_ORDER``, ``PHOTO_MAX_SIDE``),
not business policy."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import OrderPhoto, PhotoKind, ServiceOrder
from aftersales.calls.onsite import _on_site_worker
from aftersales.calls.workflow import _locked
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.org.models import User

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO")
THUMB_SIDE = 360
# Photos may be added while the order is open; a closed or cancelled order's record is final.
PHOTO_STATES = frozenset(
    {
        ServiceOrder.State.ASSIGNED,
        ServiceOrder.State.TRAVELLING,
        ServiceOrder.State.ON_SITE,
        ServiceOrder.State.COMPLETED,
        ServiceOrder.State.TAKE_BACK,
    }
)


def _limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "PHOTO_MAX_BYTES", 15 * 1024 * 1024)),
        int(getattr(settings, "PHOTO_MAX_PER_ORDER", 30)),
        int(getattr(settings, "PHOTO_MAX_SIDE", 1600)),
    )


def _jpeg(image: Image.Image, side: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue(), copy.width, copy.height


def _decode(data: bytes, max_bytes: int) -> Image.Image:
    if not data:
        raise InvalidInput(_("photo: the file is empty."), fields={"photo": [_("The file is empty.")]})
    if len(data) > max_bytes:
        message = _("photo: %(size)s MB is too large; at most %(max)s MB.") % {
            "size": f"{len(data) / 1048576:.1f}",
            "max": f"{max_bytes / 1048576:.0f}",
        }
        raise InvalidInput(message, fields={"photo": [message]})
    allowed = ", ".join(f.lower() for f in ACCEPTED_FORMATS if f != "MPO")
    try:
        probe = Image.open(io.BytesIO(data))
        probe.verify()
        opened = Image.open(io.BytesIO(data))
        if opened.format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(opened.format)
        return ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        message = _("photo: not a picture this system can read; allowed: %(formats)s.") % {"formats": allowed}
        raise InvalidInput(message, fields={"photo": [message]}) from None


@transaction.atomic
def photo_add(
    *,
    order_id: int,
    data: bytes,
    kind: str,
    caption: str = "",
    access: Access,
    by: User,
) -> OrderPhoto:
    """Add a photo to an order. The assigned technician or a supervisor of the branch may."""
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    max_bytes, max_count, max_side = _limits()
    errors: dict[str, list[str]] = {}
    if kind not in PhotoKind.values:
        errors["kind"] = [_("allowed: %(v)s") % {"v": ", ".join(PhotoKind.values)}]
    if len(caption) > 200:
        errors["caption"] = [_("at most 200 characters")]
    InvalidInput.check(errors)
    if order.state not in PHOTO_STATES:
        raise InvalidInput(
            _("Photos can be added while the order is open; this order is %(state)s.")
            % {"state": order.get_state_display()}
        )
    count = OrderPhoto.objects.filter(order=order, removed_at__isnull=True).count()
    if count >= max_count:
        message = _("photo: this order already has %(n)s photos, the most allowed.") % {"n": count}
        raise InvalidInput(message, fields={"photo": [message]})
    image = _decode(data, max_bytes)
    full, width, height = _jpeg(image, max_side, 85)
    thumb, _w, _h = _jpeg(image, THUMB_SIDE, 75)
    name = uuid.uuid4().hex
    photo = OrderPhoto(
        order=order,
        branch_id=order.branch_id,
        kind=kind,
        caption=caption.strip(),
        width=width,
        height=height,
        size_bytes=len(full),
        taken_by=by,
        taken_at=timezone.now(),
    )
    photo.image.save(f"{name}.jpg", ContentFile(full), save=False)
    photo.thumbnail.save(f"{name}-t.jpg", ContentFile(thumb), save=False)
    # The files are written before the row: if saving the row or its event fails they are deleted.
    try:
        photo.save()
        event_record(
            kind="photo_added",
            subject=order,
            actor=by,
            to_value=photo.get_kind_display(),
            data={"photo": photo.pk, "bytes": photo.size_bytes, "caption": photo.caption},
        )
    except Exception:
        for path in (photo.image.name, photo.thumbnail.name):
            if path:
                photo.image.storage.delete(path)
        raise
    return photo


@transaction.atomic
def photo_remove(*, photo_id: int, reason: str, access: Access, by: User) -> OrderPhoto:
    """Take a photo off the order (a wrong or private picture). The row stays, with who and why."""
    photo = OrderPhoto.objects.select_related("order").filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    order = _locked(photo.order_id)
    _on_site_worker(order, access, by)
    if photo.taken_by_id != by.pk and not access.can("orders.dispatch", order.branch_id):
        raise PermissionDenied(_("Only who took the photo or a supervisor may remove it."))
    if not reason.strip():
        raise InvalidInput(_("reason: say why the photo is removed."), fields={"reason": [_("required")]})
    if order.state not in PHOTO_STATES:
        raise InvalidInput(_("The order is closed: its photos are part of the record."))
    if photo.removed_at is not None:
        return photo
    photo.removed_at = timezone.now()
    photo.removed_by = by
    photo.removed_reason = reason.strip()[:200]
    photo.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    event_record(
        kind="photo_removed",
        subject=order,
        actor=by,
        from_value=photo.get_kind_display(),
        data={"photo": photo.pk},
        reason=photo.removed_reason,
    )
    return photo
