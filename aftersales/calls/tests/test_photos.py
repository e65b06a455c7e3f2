"""Photos on an order: taken on the phone page, re-encoded without EXIF, served only to those who
see the order, removed with a reason (the row stays), refused when not a picture or too large."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.models import OrderPhoto, ServiceOrder
from aftersales.calls.photos import photo_add, photo_remove
from aftersales.calls.tests.test_onsite_pages import assigned  # noqa: F401 (fixture)
from aftersales.common.errors import InvalidInput, PermissionDenied
from aftersales.conftest import World


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def jpeg(width: int = 2400, height: int = 1800, *, exif: bool = True) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x0110] = "Technician phone"  # camera model
        data[0x0112] = 6  # orientation: rotate 90°
        image.save(out, format="JPEG", exif=data.tobytes())
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def test_a_photo_is_shrunk_turned_upright_and_stripped_of_exif(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    tech = world.users["sh_tech"]
    photo = photo_add(
        order_id=assigned.pk, data=jpeg(), kind="fault", caption="主轴异响", access=access_for(tech), by=tech
    )
    assert (photo.width, photo.height) == (1200, 1600)  # orientation 6 applied, longest side 1600
    with photo.image.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert stored.format == "JPEG" and not stored.getexif()
    with photo.thumbnail.open("rb") as f:
        assert max(Image.open(io.BytesIO(f.read())).size) == 360
    event = Event.objects.get(kind="photo_added", subject_id=assigned.pk)
    assert event.data["photo"] == photo.pk and event.actor_id == tech.pk


def test_bad_files_are_refused_and_nothing_is_saved(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    settings,  # type: ignore[no-untyped-def]
) -> None:
    tech = world.users["sh_tech"]
    access = access_for(tech)
    with pytest.raises(InvalidInput) as not_a_picture:
        photo_add(order_id=assigned.pk, data=b"%PDF-1.4 not a photo", kind="fault", access=access, by=tech)
    assert "photo" in not_a_picture.value.fields and "jpeg" in not_a_picture.value.message
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(InvalidInput) as too_big:
        photo_add(order_id=assigned.pk, data=jpeg(exif=False), kind="fault", access=access, by=tech)
    assert "MB" in too_big.value.message
    settings.PHOTO_MAX_BYTES = 15 * 1024 * 1024
    with pytest.raises(InvalidInput) as bad_kind:
        photo_add(order_id=assigned.pk, data=jpeg(), kind="selfie", access=access, by=tech)
    assert "kind" in bad_kind.value.fields
    assert not OrderPhoto.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


def test_only_the_technician_or_a_supervisor_adds_and_removes(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    tech = world.users["sh_tech"]
    photo = photo_add(order_id=assigned.pk, data=jpeg(), kind="site", access=access_for(tech), by=tech)
    agent = world.users["sh_agent"]
    with pytest.raises(PermissionDenied):
        photo_add(order_id=assigned.pk, data=jpeg(), kind="site", access=access_for(agent), by=agent)
    with pytest.raises(InvalidInput) as no_reason:
        photo_remove(photo_id=photo.pk, reason=" ", access=access_for(tech), by=tech)
    assert "reason" in no_reason.value.fields
    sup = world.users["sh_supervisor"]
    photo_remove(photo_id=photo.pk, reason="拍到了客户的文件", access=access_for(sup), by=sup)
    photo.refresh_from_db()
    assert photo.removed_by_id == sup.pk and photo.removed_reason == "拍到了客户的文件"
    assert not assigned.live_photos().exists() and OrderPhoto.objects.count() == 1


def test_upload_on_the_page_and_files_only_for_who_sees_the_order(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
) -> None:
    client = world.client("sh_tech")
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg(), content_type="image/jpeg")
    response = client.post(
        f"/calls/orders/{assigned.pk}/photos/",
        {"photo": upload, "kind": "fault", "caption": "渗油"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    photo = OrderPhoto.objects.get(order=assigned)
    assert f"/calls/photos/{photo.pk}/thumb.jpg" in response.content.decode()
    body = client.get(f"/calls/orders/{assigned.pk}/onsite/").content.decode()
    assert f"/calls/photos/{photo.pk}/thumb.jpg" in body and 'data-testid="photo-upload"' in body
    full = client.get(f"/calls/photos/{photo.pk}/full.jpg")
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert body_of(full).startswith(b"\xff\xd8")
    assert world.client("sh_supervisor").get(f"/calls/photos/{photo.pk}/thumb.jpg").status_code == 200
    for outsider in ("hz_supervisor", "hz_tech"):
        assert world.client(outsider).get(f"/calls/photos/{photo.pk}/full.jpg").status_code == 404
        response = world.client(outsider).post(
            f"/calls/orders/{assigned.pk}/photos/",
            {"photo": SimpleUploadedFile("x.jpg", jpeg(), content_type="image/jpeg"), "kind": "fault"},
        )
        assert response.status_code == 404
        assert (
            world.client(outsider).post(f"/calls/photos/{photo.pk}/remove/", {"reason": "x"}).status_code
            == 404
        )
    assert OrderPhoto.objects.count() == 1
    assert client.get("/calls/photos/999999/full.jpg").status_code == 404
    not_picture = client.post(
        f"/calls/orders/{assigned.pk}/photos/",
        {"photo": SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"), "kind": "fault"},
        headers={"HX-Request": "true"},
    )
    assert not_picture.status_code == 400 and 'data-testid="photo-error"' in not_picture.content.decode()
    removed = client.post(
        f"/calls/photos/{photo.pk}/remove/", {"reason": "拍错了"}, headers={"HX-Request": "true"}
    )
    assert removed.status_code == 200
    assert client.get(f"/calls/photos/{photo.pk}/full.jpg").status_code == 404


def test_photos_through_the_api_and_outsiders_get_nothing(
    world: World,
    assigned: ServiceOrder,  # noqa: F811
    api,  # type: ignore[no-untyped-def]
    client,  # type: ignore[no-untyped-def]
) -> None:
    tech = api("sh_tech")
    url = f"/api/v1/orders/{assigned.pk}/photos"
    added = tech.post(
        url, {"photo": SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg"), "kind": "old_part"}
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["kind"] == "old_part" and body["width"] == 1200
    listed = api("sh_supervisor").get(url).json()
    assert [p["id"] for p in listed] == [body["id"]]
    file = tech.get(body["thumbnail_url"])
    assert file.status_code == 200 and body_of(file).startswith(b"\xff\xd8")
    bad = tech.post(url, {"photo": SimpleUploadedFile("a.txt", b"x", content_type="text/plain")})
    assert bad.status_code == 400 and "photo" in bad.content.decode()
    assert client.get(url).status_code == 401
    assert client.get(body["url"]).status_code == 401
    for who in ("hz_supervisor", "hz_tech", "sh_agent"):
        outsider = api(who)
        if who == "sh_agent":  # sees the order, may not add photos to it
            refused = outsider.post(
                url, {"photo": SimpleUploadedFile("b.jpg", jpeg(), content_type="image/jpeg")}
            )
            assert refused.status_code == 403
            continue
        assert outsider.get(url).status_code == 404
        assert outsider.get(body["url"]).status_code == 404
        assert (
            outsider.post(
                url, {"photo": SimpleUploadedFile("b.jpg", jpeg(), content_type="image/jpeg")}
            ).status_code
            == 404
        )
        remove = outsider.post(
            f"/api/v1/photos/{body['id']}/remove", {"reason": "x"}, content_type="application/json"
        )
        assert remove.status_code == 404
    removed = tech.post(
        f"/api/v1/photos/{body['id']}/remove", {"reason": "拍错"}, content_type="application/json"
    )
    assert removed.status_code == 200
    assert tech.get(url).json() == [] and OrderPhoto.objects.count() == 1
