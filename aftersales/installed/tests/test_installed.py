"""Installed base: warranty from the rule in force (S7), units, contracts, the trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.catalog.models import ProductModel
from aftersales.common.errors import InvalidInput, NotFound
from aftersales.conftest import World
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.services import (
    ContractData,
    UnitData,
    contract_create,
    contract_transition,
    unit_create,
    unit_update,
    warranty_status,
)
from aftersales.rules.models import Rule
from aftersales.rules.services import rule, rule_set


@pytest.fixture
def model(world: World) -> ProductModel:
    return ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)


def make_unit(world: World, model: ProductModel, **kw: Any) -> Unit:
    admin = world.users["hq_admin"]
    data = UnitData(
        serial=str(kw.pop("serial", "SN-0001")),
        product_model_id=model.pk,
        customer_id=world.sh_customer.pk,
        sold_on=kw.pop("sold_on", dt.date(2024, 3, 15)),
        **kw,
    )
    return unit_create(data=data, access=access_for(admin), by=admin)


def test_s7_warranty_through_the_day_before_the_anniversary(world: World, model: ProductModel) -> None:
    unit = make_unit(world, model)
    assert unit.warranty_until == dt.date(2025, 3, 14)
    assert warranty_status(unit, dt.date(2025, 3, 14)).in_warranty
    assert warranty_status(unit, dt.date(2025, 3, 14)).service_type == "free"
    assert not warranty_status(unit, dt.date(2025, 3, 15)).in_warranty
    assert warranty_status(unit, dt.date(2025, 3, 15)).service_type == "paid"


def test_warranty_runs_from_a_later_installation(world: World, model: ProductModel) -> None:
    unit = make_unit(world, model, installed_on=dt.date(2024, 5, 31))
    assert unit.warranty_until == dt.date(2025, 5, 30)


def test_warranty_rule_per_product_line_and_model(world: World, model: ProductModel) -> None:
    admin = world.users["hq_admin"]
    rule_set(
        key="warranty_months",
        value=24,
        product_line_id=world.line.pk,
        access=access_for(admin),
        by=admin,
        reason="CNC two-year warranty",
    )
    unit = make_unit(world, model)
    assert unit.warranty_until == dt.date(2026, 3, 14)
    assert unit.warranty_rule is not None and unit.warranty_rule.value == 24
    model.warranty_months = 6
    model.save()
    other = make_unit(world, model, serial="SN-0002")
    assert other.warranty_until == dt.date(2024, 9, 14)
    # the default still says 12
    assert rule("warranty_months").value == 12


def test_rule_versions_and_validation(world: World) -> None:
    admin = world.users["hq_admin"]
    access = access_for(admin)
    v2 = rule_set(key="quote_approval_discount_pct", value="12.5", access=access, by=admin, reason="new GM")
    assert v2.version == 2 and v2.value == "12.5"
    assert Rule.objects.filter(key="quote_approval_discount_pct").count() == 2
    with pytest.raises(InvalidInput) as exc:
        rule_set(key="quote_approval_discount_pct", value="120", access=access, by=admin)
    assert "value" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        rule_set(key="repeat_repair_days", value=30, branch_id=world.sh.pk, access=access, by=admin)
    assert "scope" in exc.value.fields
    assert Event.objects.filter(kind="rule_set").count() == 1


def test_unit_validation_names_fields_and_saves_nothing(world: World, model: ProductModel) -> None:
    make_unit(world, model)
    with pytest.raises(InvalidInput) as exc:
        make_unit(world, model, serial="sn-0001", installed_on=dt.date(2024, 1, 1))
    assert set(exc.value.fields) >= {"serial", "installed_on"}
    hz_agent = world.users["hz_agent"]
    with pytest.raises(InvalidInput) as exc:
        unit_create(
            data=UnitData(
                serial="X1",
                product_model_id=model.pk,
                customer_id=world.sh_customer.pk,
                sold_on=dt.date(2024, 1, 1),
            ),
            access=access_for(hz_agent),
            by=hz_agent,
        )
    assert "customer_id" in exc.value.fields


def test_unit_update_recomputes_warranty_and_is_audited(world: World, model: ProductModel) -> None:
    unit = make_unit(world, model)
    admin = world.users["hq_admin"]
    data = UnitData(
        serial="SN-0001",
        product_model_id=model.pk,
        customer_id=world.sh_customer.pk,
        sold_on=dt.date(2024, 3, 15),
        installed_on=dt.date(2024, 4, 1),
        software_version="2.1",
    )
    updated = unit_update(
        unit_id=unit.pk, data=data, access=access_for(admin), by=admin, reason="installation recorded"
    )
    assert updated.warranty_until == dt.date(2025, 3, 31)
    event = Event.objects.filter(kind="updated", subject_type="installed.unit").get()
    assert event.data["changes"]["warranty_until"] == ["2025-03-14", "2025-03-31"]
    with pytest.raises(NotFound):
        unit_update(
            unit_id=unit.pk, data=data, access=access_for(world.users["hz_agent"]), by=world.users["hz_agent"]
        )


def test_contract_makes_calls_contract_service(world: World, model: ProductModel) -> None:
    manager = world.users["sh_manager"]
    contract = contract_create(
        data=ContractData(
            customer_id=world.sh_customer.pk,
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 12, 31),
            fee=Decimal("12000"),
        ),
        access=access_for(manager),
        by=manager,
    )
    assert contract.number.startswith("SH-")
    unit = make_unit(world, model, contract_id=contract.pk)
    assert warranty_status(unit, dt.date(2025, 6, 1)).service_type == "paid"  # draft
    contract_transition(
        contract_id=contract.pk, to=ServiceContract.State.ACTIVE, access=access_for(manager), by=manager
    )
    unit.refresh_from_db()
    assert warranty_status(unit, dt.date(2025, 6, 1)).service_type == "contract"
    assert warranty_status(unit, dt.date(2026, 1, 1)).service_type == "paid"
    with pytest.raises(InvalidInput):
        contract_create(
            data=ContractData(
                customer_id=world.sh_customer.pk, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2024, 12, 31)
            ),
            access=access_for(manager),
            by=manager,
        )


def test_contract_expiry_notice_once_and_expiry(world: World) -> None:
    from aftersales.installed.services import contracts_housekeeping
    from aftersales.notifications.models import Notification

    manager = world.users["sh_manager"]
    contract = contract_create(
        data=ContractData(
            customer_id=world.sh_customer.pk, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31)
        ),
        access=access_for(manager),
        by=manager,
    )
    contract_transition(
        contract_id=contract.pk, to=ServiceContract.State.ACTIVE, access=access_for(manager), by=manager
    )
    assert contracts_housekeeping(today=dt.date(2025, 11, 29)) == {"noticed": 0, "expired": 0}
    assert contracts_housekeeping(today=dt.date(2025, 11, 30)) == {"noticed": 1, "expired": 0}
    assert contracts_housekeeping(today=dt.date(2025, 12, 1)) == {"noticed": 0, "expired": 0}  # once
    assert set(
        Notification.objects.filter(kind="contract_notice").values_list("recipient__username", flat=True)
    ) == {"sh_manager", "sh_supervisor"}
    assert contracts_housekeeping(today=dt.date(2026, 1, 1)) == {"noticed": 0, "expired": 1}
    contract.refresh_from_db()
    assert contract.state == ServiceContract.State.EXPIRED
