"""Demo installed base: product models, parts master, ~60 units, a few sites and 4 contracts.

Idempotent: keyed by model code, part code, serial and contract notes; runs through the services.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part, ProductLine, ProductModel
from aftersales.customers.models import Customer
from aftersales.installed.models import ServiceContract, Site, Unit
from aftersales.installed.services import (
    ContractData,
    UnitData,
    contract_create,
    contract_transition,
    site_create,
    unit_create,
)
from aftersales.org.models import User

TODAY = datetime.date(2026, 11, 23)
MODELS = [
    # code, name, English name, line, warranty months (None: the rule), installed system
    ("VMC-850", "立式加工中心", "Vertical machining centre", "cnc", None, False),
    ("CK-6150", "数控车床", "CNC lathe", "cnc", None, False),
    ("SA-37", "螺杆空压机 37kW", "Screw compressor 37 kW", "compressor", None, False),
    ("SA-75", "螺杆空压机 75kW", "Screw compressor 75 kW", "compressor", 18, False),
    ("LS-20", "风冷冷水机 20HP", "Air-cooled chiller 20 HP", "chiller", None, False),
    ("LS-60W", "水冷冷水机 60HP", "Water-cooled chiller 60 HP", "chiller", 24, False),
    ("AS-PLC-300", "PLC 控制系统", "PLC control system", "automation", 24, True),
    ("AS-LINE-01", "自动化装配线", "Automated assembly line", "automation", 24, True),
]
PART_NAMES = [
    ("主轴轴承", "Spindle bearing", "cnc", 820),
    ("伺服电机", "Servo motor", "cnc", 3200),
    ("刀库刀套", "Tool magazine pocket", "cnc", 160),
    ("导轨滑块", "Linear guide block", "cnc", 540),
    ("编码器", "Encoder", "cnc", 1250),
    ("冷却泵", "Coolant pump", "cnc", 430),
    ("润滑泵", "Lubrication pump", "cnc", 380),
    ("数控系统主板", "CNC main board", "cnc", 6800),
    ("空气滤芯", "Air filter", "compressor", 120),
    ("油分芯", "Oil separator", "compressor", 460),
    ("油过滤器", "Oil filter", "compressor", 95),
    ("进气阀", "Intake valve", "compressor", 1380),
    ("最小压力阀", "Minimum pressure valve", "compressor", 520),
    ("压力传感器", "Pressure sensor", "compressor", 310),
    ("主机轴封", "Air end shaft seal", "compressor", 260),
    ("冷却风扇", "Cooling fan", "compressor", 690),
    ("压缩机", "Refrigeration compressor", "chiller", 8600),
    ("膨胀阀", "Expansion valve", "chiller", 740),
    ("干燥过滤器", "Filter drier", "chiller", 150),
    ("水泵机械密封", "Pump mechanical seal", "chiller", 220),
    ("温控器", "Temperature controller", "chiller", 480),
    ("冷凝风机", "Condenser fan", "chiller", 950),
    ("流量开关", "Flow switch", "chiller", 280),
    ("PLC CPU 模块", "PLC CPU module", "automation", 5200),
    ("数字量输入模块", "Digital input module", "automation", 1600),
    ("触摸屏", "HMI touch panel", "automation", 3900),
    ("变频器", "Frequency inverter", "automation", 2800),
    ("光电传感器", "Photoelectric sensor", "automation", 210),
    ("气缸", "Pneumatic cylinder", "automation", 330),
    ("交换机", "Industrial switch", "automation", 1150),
]


def load_installed(*, admin: User) -> dict[str, int]:
    access = access_for(admin)
    lines = {line.code: line for line in ProductLine.objects.all()}
    created = {"models": 0, "parts": 0, "units": 0, "contracts": 0}
    models = []
    for code, name, en, line, months, system in MODELS:
        model, made = ProductModel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "product_line": lines[line],
                "warranty_months": months,
                "is_system": system,
            },
        )
        models.append(model)
        created["models"] += made
    have_parts = set(Part.objects.values_list("code", flat=True))
    for i, (name, en, line, price) in enumerate(PART_NAMES, start=1):
        code = f"P-{line[:3].upper()}-{i:03}"
        if code in have_parts:
            continue
        part = Part.objects.create(
            code=code,
            name=name,
            name_en=en,
            cost=(Decimal(price) * Decimal("0.62")).quantize(Decimal("0.01")),
            price=Decimal(price),
        )
        part.product_lines.add(lines[line])
        created["parts"] += 1
    if Unit.objects.filter(serial__startswith="DEMO-").exists():
        return created
    rng = random.Random(20261123)
    customers = list(Customer.objects.filter(active=True).order_by("id"))
    systems = [m for m in models if m.is_system]
    machines = [m for m in models if not m.is_system]
    for i in range(60):
        customer = customers[i % len(customers)]
        is_system = i % 10 == 9
        model = rng.choice(systems if is_system else machines)
        age = rng.randint(20, 900)
        if i % 4 == 0:  # a quarter of the base is older: long out of warranty, paid work
            age += 500
        sold = TODAY - datetime.timedelta(days=age)
        installed = sold + datetime.timedelta(days=rng.randint(3, 40)) if (is_system or i % 3 == 0) else None
        if installed and installed > TODAY:
            installed = None
        site_id = None
        if is_system:
            site = Site.objects.filter(customer=customer).first() or site_create(
                customer_id=customer.pk,
                name=f"{customer.name[:6]}·自动化项目",
                access=access,
                by=admin,
                address=customer.address,
                acceptance_date=installed,
            )
            site_id = site.pk
        unit_create(
            data=UnitData(
                serial=f"DEMO-{model.code}-{2026000 + i}",
                product_model_id=model.pk,
                customer_id=customer.pk,
                sold_on=sold,
                installed_on=installed,
                site_id=site_id,
                software_version=f"V{rng.randint(1, 3)}.{rng.randint(0, 9)}",
            ),
            access=access,
            by=admin,
        )
        created["units"] += 1
    plans = [  # (customer index, starts, ends, fee, put in force)
        (0, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), Decimal(18000), True),
        (
            1,
            datetime.date(2025, 12, 15),
            datetime.date(2026, 12, 14),
            Decimal(9600),
            True,
        ),  # expires within a month
        (2, datetime.date(2026, 6, 1), datetime.date(2027, 5, 31), Decimal(24000), True),
        (3, datetime.date(2027, 1, 1), datetime.date(2027, 12, 31), Decimal(12000), False),  # draft
    ]
    for index, starts, ends, fee, active in plans:
        customer = customers[index]
        contract = contract_create(
            data=ContractData(
                customer_id=customer.pk,
                starts_on=starts,
                ends_on=ends,
                fee=fee,
                visits_per_year=4,
                notes="demo",
            ),
            access=access,
            by=admin,
        )
        if active:
            contract_transition(
                contract_id=contract.pk, to=ServiceContract.State.ACTIVE, access=access, by=admin
            )
        Unit.objects.filter(customer=customer, contract__isnull=True).update(contract=contract)
        created["contracts"] += 1
    return created
