from __future__ import annotations

import pytest

from aftersales.conftest import World
from aftersales.org.models import User
from aftersales.triage.tests.factories import hq_supervisor


@pytest.fixture(autouse=True)
def _hq_supervisor(world: World) -> User:
    """A supervisor at head office: the service department that keeps the tree."""
    return hq_supervisor(world)
