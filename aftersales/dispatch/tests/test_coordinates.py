"""Demo coordinates: branches in their city, urban customers near it, suburban ones further out."""

from __future__ import annotations

import math

from aftersales.conftest import World
from aftersales.demo.data import CITY_CENTRES, _coordinates
from aftersales.dispatch.problem import planar_km


def test_demo_coordinates_by_city_and_zone(world: World) -> None:
    assert _coordinates() == 5  # three branches, two customers
    assert _coordinates() == 0  # idempotent
    for customer in (world.sh_customer, world.hz_customer):
        customer.refresh_from_db()
        lat0, lon0 = CITY_CENTRES[customer.branch.city]
        assert customer.latitude is not None and customer.longitude is not None
        x, y = planar_km(lat=float(customer.latitude), lon=float(customer.longitude), lat0=lat0, lon0=lon0)
        distance = math.hypot(x, y)
        assert (
            (distance <= 8.1)
            if customer.zone and customer.zone.kind == "urban"
            else (14.9 <= distance <= 35.1)
        )
