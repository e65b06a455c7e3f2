from __future__ import annotations

import pytest

from aftersales.audit.models import Event
from aftersales.conftest import World
from aftersales.org.models import Branch

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World):  # type: ignore[no-untyped-def]
    admin = world.users["hq_admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return world.client("hq_admin")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/org/branch/",
        "/admin/org/user/",
        "/admin/customers/dealer/",
        "/admin/common/numberformat/",
        "/admin/audit/event/",
        "/admin/catalog/productline/",
    ],
)
def test_admin_pages_open(admin_client, url: str) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(url).status_code == 200


def test_master_data_changed_in_the_admin_is_audited(world: World, admin_client) -> None:  # type: ignore[no-untyped-def]
    sh = world.sh
    response = admin_client.post(
        f"/admin/org/branch/{sh.pk}/change/",
        {
            "code": "SH",
            "name": "上海服务中心（新）",
            "name_en": "",
            "city": "上海",
            "timezone": "Asia/Shanghai",
            "business_hours": '[["08:30", "12:00"], ["13:00", "17:30"]]',
            "address": "",
            "phone": "",
            "active": "on",
            "zones-TOTAL_FORMS": "0",
            "zones-INITIAL_FORMS": "0",
            "zones-MIN_NUM_FORMS": "0",
            "zones-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Branch.objects.get(pk=sh.pk).name == "上海服务中心（新）"
    event = Event.objects.filter(subject_type="org.branch", subject_id=sh.pk).first()
    assert event is not None and event.data["changes"]["name"] == "上海服务中心（新）"


def test_non_staff_cannot_open_the_admin(world: World) -> None:
    response = world.client("sh_supervisor").get("/admin/org/branch/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
