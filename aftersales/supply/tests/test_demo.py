from __future__ import annotations

import pytest
from django.core.management import call_command

from aftersales.supply.models import PartsRequest

pytestmark = pytest.mark.django_db


def test_demo_has_requests_in_every_state_one_overdue_one_loan() -> None:
    call_command("demo")
    states = set(PartsRequest.objects.values_list("state", flat=True))
    assert states == set(PartsRequest.State.values)
    assert PartsRequest.objects.filter(overdue_at__isnull=False).count() == 1
    assert PartsRequest.objects.filter(lines__loan__isnull=False).count() == 1
    count = PartsRequest.objects.count()
    call_command("demo")
    assert PartsRequest.objects.count() == count >= 12
