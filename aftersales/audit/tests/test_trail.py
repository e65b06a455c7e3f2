from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from aftersales.access.policy import access_for
from aftersales.audit.models import AppendOnlyError, Event
from aftersales.conftest import World
from aftersales.customers.services import CustomerData, customer_update

pytestmark = pytest.mark.django_db


def test_a_change_records_who_when_what_and_why(world: World) -> None:
    agent = world.users["sh_agent"]
    customer_update(
        customer_id=world.sh_customer.pk,
        data=CustomerData(
            name="上海申达汽配",
            branch_id=world.sh.pk,
            phone="13800000000",
            dealer_id=world.sh_dealer.pk,
            zone_id=world.sh_customer.zone_id,
        ),
        access=access_for(agent),
        by=agent,
        reason="工商变更",
    )
    event = Event.objects.filter(subject_type="customers.customer", subject_id=world.sh_customer.pk).first()
    assert event is not None
    assert event.kind == "updated" and event.actor == agent and event.reason == "工商变更"
    assert event.branch_id == world.sh.pk
    assert event.data["changes"] == {"name": ["上海申达", "上海申达汽配"]}


def test_the_orm_refuses_to_edit_or_delete_events(world: World) -> None:
    event = Event.objects.first()
    assert event is not None
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().update(reason="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def test_the_database_refuses_raw_updates(world: World) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET reason = 'forged'")
    assert not Event.objects.filter(reason="forged").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE refused in the ORM only")
def test_postgresql_refuses_raw_deletes(world: World) -> None:
    count = Event.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event")
    assert Event.objects.count() == count


def test_the_admin_can_only_read_events(world: World) -> None:
    model_admin = admin.site._registry[Event]
    request = RequestFactory().get("/admin/")
    request.user = world.users["hq_admin"]
    request.user.is_superuser = True
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_api_has_no_way_to_write_events(world: World, api) -> None:  # type: ignore[no-untyped-def]
    client = api("hq_admin")
    event = Event.objects.first()
    assert event is not None
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/audit/events", {}, content_type="application/json")
        assert response.status_code == 405, method
        response = getattr(client, method)(
            f"/api/v1/audit/events/{event.pk}", {}, content_type="application/json"
        )
        assert response.status_code in (404, 405), method
    assert Event.objects.filter(pk=event.pk, reason=event.reason).exists()


def test_events_are_scoped_by_branch(world: World, api) -> None:  # type: ignore[no-untyped-def]
    labels = {
        e["subject_label"] for e in api("hz_supervisor").get("/api/v1/audit/events?size=500").json()["items"]
    }
    assert any("杭州萧山纺机" in label for label in labels)
    assert not any("上海申达" in label for label in labels)
    assert api("sh_tech").get("/api/v1/audit/events").status_code == 404


def test_the_timeline_of_a_record_is_on_its_page(world: World) -> None:
    page = world.client("sh_agent").get(f"/customers/{world.sh_customer.pk}/").content.decode()
    assert 'data-testid="timeline"' in page and world.sh_customer.number in page


def test_trail_values_read_as_labels_and_local_times() -> None:
    from django.utils import translation

    from aftersales.audit.templatetags.audit_tags import event_value

    with translation.override("en"):
        assert event_value("assigned", "calls.serviceorder") == "assigned"
        assert event_value("open", "calls.serviceorder") == "waiting for dispatch"
    assert event_value("2026-11-26T13:08:10.445865+08:00", "sla.clock") == "2026-11-26 13:08"
    assert event_value("SH-SO-2026-000038", "calls.serviceorder") == "SH-SO-2026-000038"
    assert event_value("open", "no.such_model") == "open"
    # a clock's events are filed on its record: their values are the clock's states
    clock_event = Event(
        kind="clock_met", subject_type="customers.customer", from_value="running", to_value="met"
    )
    with translation.override("zh-hans"):
        assert event_value("met", clock_event) == "按时完成"
        assert event_value("running", clock_event) != "running"
    order_event = Event(kind="state_changed", subject_type="calls.serviceorder")
    with translation.override("en"):
        assert event_value("open", order_event) == "waiting for dispatch"


def test_coordinates_are_validated_named_and_on_the_trail(world: World, api) -> None:  # type: ignore[no-untyped-def]
    """The dispatch optimiser drives to the customer's coordinates: both or neither, in range,
    stored to 6 places, and the change is on the trail like any other."""
    from decimal import Decimal

    from aftersales.common.errors import InvalidInput

    agent = world.users["sh_agent"]
    base = {
        "name": "上海申达",
        "branch_id": world.sh.pk,
        "phone": "13800000000",
        "dealer_id": world.sh_dealer.pk,
    }
    base["zone_id"] = world.sh_customer.zone_id
    with pytest.raises(InvalidInput) as half:
        customer_update(
            customer_id=world.sh_customer.pk,
            data=CustomerData(**base, latitude=Decimal("31.2")),  # type: ignore[arg-type]
            access=access_for(agent),
            by=agent,
        )
    assert set(half.value.fields) == {"longitude"}
    with pytest.raises(InvalidInput) as wrong:
        customer_update(
            customer_id=world.sh_customer.pk,
            data=CustomerData(**base, latitude=Decimal("121.47"), longitude=Decimal("31.23")),  # type: ignore[arg-type]
            access=access_for(agent),
            by=agent,
        )
    assert set(wrong.value.fields) == {"latitude"}
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.latitude is None
    response = api("sh_agent").put(
        f"/api/v1/customers/{world.sh_customer.pk}",
        data={**base, "latitude": "31.2304161", "longitude": "121.4737"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["latitude"] == "31.230416"
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.latitude == Decimal("31.230416")
    event = Event.objects.filter(subject_type="customers.customer", subject_id=world.sh_customer.pk).first()
    assert event is not None
    assert event.data["changes"] == {"latitude": [None, "31.230416"], "longitude": [None, "121.473700"]}
