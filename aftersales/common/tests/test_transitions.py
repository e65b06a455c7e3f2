from __future__ import annotations

import pytest

from aftersales.audit.models import Event
from aftersales.common.errors import InvalidTransition, PermissionDenied
from aftersales.common.transitions import Step, allowed_steps, transition
from aftersales.conftest import World

pytestmark = pytest.mark.django_db

# A toy workflow over a customer's kind, to exercise the helper every workflow uses.
TABLE = {
    ("company", "person"): Step(label="to person", roles=frozenset({"agent"}), needs_reason=True),
    ("person", "company"): Step(
        label="to company", guards=(lambda obj, by: "blocked" if obj.phone == "" else None,)
    ),
}


def test_an_allowed_step_moves_the_state_and_writes_the_event(world: World) -> None:
    customer = world.sh_customer
    transition(
        customer,
        table=TABLE,
        to="person",
        by=world.users["sh_agent"],
        roles=["agent"],
        reason="个人客户",
        state_field="kind",
    )
    assert customer.kind == "person"
    event = Event.objects.filter(subject_id=customer.pk, kind="state_changed").get()
    assert (event.from_value, event.to_value, event.reason) == ("company", "person", "个人客户")


def test_refusals_say_why_and_change_nothing(world: World) -> None:
    customer = world.sh_customer
    with pytest.raises(InvalidTransition, match="company"):
        transition(customer, table=TABLE, to="company", by=None, state_field="kind")
    with pytest.raises(PermissionDenied):
        transition(
            customer, table=TABLE, to="person", by=None, roles=["technician"], reason="x", state_field="kind"
        )
    with pytest.raises(InvalidTransition) as exc:
        transition(customer, table=TABLE, to="person", by=None, roles=["agent"], state_field="kind")
    assert "reason" in exc.value.fields
    assert customer.kind == "company"
    assert not Event.objects.filter(kind="state_changed").exists()


def test_guards_run_and_the_table_lists_the_buttons(world: World) -> None:
    customer = world.sh_customer
    customer.kind, customer.phone = "person", ""
    with pytest.raises(InvalidTransition, match="blocked"):
        transition(customer, table=TABLE, to="company", by=None, state_field="kind")
    assert [to for to, _ in allowed_steps(TABLE, state="company", roles=["agent"])] == ["person"]
    assert allowed_steps(TABLE, state="company", roles=["technician"]) == []
