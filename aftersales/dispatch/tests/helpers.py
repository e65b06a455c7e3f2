"""A small branch day for the dispatch plan tests: Shanghai, three technicians, a few orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import ProductLine, ProductModel
from aftersales.conftest import World, make_person
from aftersales.installed.models import Site
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification
from aftersales.org.roles import Role

# (latitude, longitude) of a few places in and around Shanghai
PLACES = [
    ("31.2397", "121.4998"),  # Lujiazui
    ("31.1880", "121.4370"),  # Xujiahui
    ("31.2790", "121.5220"),  # Yangpu
    ("31.0430", "121.2310"),  # Songjiang (suburban)
    ("31.3800", "121.2650"),  # Jiading (suburban)
]


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def make_day(world: World, *, orders: int = 4, line: ProductLine | None = None) -> list[ServiceOrder]:
    """Coordinates on the branch, certified sh_tech and sh_tech2, uncertified sh_rookie, and
    ``orders`` open orders at sites with coordinates (product line ``line`` or the world's)."""
    admin = world.users["hq_admin"]
    world.sh.latitude, world.sh.longitude = Decimal("31.2304"), Decimal("121.4737")
    world.sh.save(update_fields=["latitude", "longitude"])
    if "sh_tech2" not in world.users:
        world.users["sh_tech2"] = make_person("sh_tech2", Role.TECHNICIAN, world.sh, admin)
        world.users["sh_rookie"] = make_person("sh_rookie", Role.TECHNICIAN, world.sh, admin)
        for name in ("sh_tech", "sh_tech2"):
            Certification.objects.create(
                user=world.users[name], product_line=world.line, certified_on=dt.date(2024, 1, 1)
            )
    line = line or world.line
    model, _ = ProductModel.objects.get_or_create(
        code=f"M-{line.code}", defaults={"name": "加工中心", "product_line": line}
    )
    urban = world.sh.zones.get(code="urban")
    suburban = world.sh.zones.get(code="suburban")
    out = []
    start = ServiceOrder.objects.count()
    for i in range(orders):
        lat, lon = PLACES[(start + i) % len(PLACES)]
        site = Site.objects.create(
            customer=world.sh_customer,
            name=f"厂区 {start + i}",
            zone=suburban if (start + i) % len(PLACES) >= 3 else urban,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )
        unit = unit_create(
            data=UnitData(
                serial=f"SN-{line.code}-{start + i}",
                product_model_id=model.pk,
                customer_id=world.sh_customer.pk,
                sold_on=dt.date(2024, 3, 15),
                site_id=site.pk,
            ),
            access=access_for(admin),
            by=admin,
        )
        agent = world.users["sh_agent"]
        result = call_register(
            data=CallData(unit_id=unit.pk, fault_description="主轴不转"), access=access_for(agent), by=agent
        )
        assert result.order is not None
        out.append(result.order)
    return out
