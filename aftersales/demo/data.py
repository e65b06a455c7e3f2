"""A realistic demo data set. Idempotent: running it again changes nothing that exists.

Everything goes through the services where the services hold rules (numbers, audit trail).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductLine
from aftersales.customers.models import Customer, Dealer, PortalAccount
from aftersales.customers.services import CustomerData, customer_create
from aftersales.org.models import Branch, Certification, Skill, User, Zone
from aftersales.org.roles import Role
from aftersales.org.services import certification_set, person_create, role_grant

DEMO_PASSWORD = "demo"

BRANCHES = [
    # code, name, name_en, city, head office, business hours
    ("HQ", "总部售后服务部", "Head office service department", "上海", True, None),
    ("SH", "上海服务中心", "Shanghai service centre", "上海", False, None),
    ("HZ", "杭州服务中心", "Hangzhou service centre", "杭州", False, None),
    ("NJ", "南京服务中心", "Nanjing service centre", "南京", False, None),
    (
        "WL",
        "乌鲁木齐服务中心",
        "Urumqi service centre",
        "乌鲁木齐",
        False,
        [["10:00", "14:00"], ["15:30", "19:30"]],
    ),
]
ZONES = [("urban", "市区", "urban"), ("suburban", "郊区", "suburban")]
PRODUCT_LINES = [
    ("cnc", "数控机床", "CNC machine tools"),
    ("compressor", "空压机", "Air compressors"),
    ("chiller", "工业冷水机", "Industrial chillers"),
    ("automation", "自动化系统", "Automation systems"),
]
SKILLS = [
    ("electrical", "电气"),
    ("mechanical", "机械"),
    ("hydraulic", "液压"),
    ("plc", "PLC 编程"),
    ("refrigeration", "制冷"),
]

# username, name, role, branch, phone
DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMIN, "HQ", "13800000001"),
    ("agent", "王芳", Role.AGENT, "SH", "13800000002"),
    ("supervisor", "陈建国", Role.SUPERVISOR, "SH", "13800000003"),
    ("manager", "刘明", Role.MANAGER, "SH", "13800000013"),
    ("technician", "张伟", Role.TECHNICIAN, "SH", "13800000004"),
    ("warehouse", "赵磊", Role.WAREHOUSE, "SH", "13800000005"),
    ("accountant", "孙丽", Role.ACCOUNTANT, "SH", "13800000006"),
    ("quality", "周强", Role.QUALITY, "HQ", "13800000007"),
    ("quality_manager", "吴敏", Role.QUALITY_MANAGER, "HQ", "13800000008"),
    ("assessor", "郑海", Role.ASSESSOR, "HQ", "13800000009"),
    ("executive", "黄志华", Role.EXECUTIVE, "HQ", "13800000010"),
]
# One demo user per role, username = role code (the README's table).
DEMO_ROLE_USERNAMES = [u[0] for u in DEMO_USERS] + ["customer", "dealer"]
TECHNICIANS = [
    # username, name, branch, skills, product lines (certified)
    ("sh_tech_li", "李强", "SH", ["mechanical", "hydraulic"], ["cnc"]),
    ("sh_tech_wang", "王磊", "SH", ["refrigeration", "electrical"], ["chiller", "compressor"]),
    ("hz_tech_chen", "陈杰", "HZ", ["electrical", "plc"], ["automation", "cnc"]),
    ("hz_tech_yang", "杨帆", "HZ", ["mechanical"], ["compressor"]),
    ("nj_tech_xu", "徐斌", "NJ", ["electrical", "mechanical"], ["cnc", "compressor"]),
    ("wl_tech_ma", "马军", "WL", ["refrigeration"], ["chiller"]),
]
BRANCH_STAFF = [
    ("hz_supervisor", "林涛", Role.SUPERVISOR, "HZ"),
    ("hz_agent", "何静", Role.AGENT, "HZ"),
    ("nj_supervisor", "高峰", Role.SUPERVISOR, "NJ"),
    ("wl_supervisor", "艾力", Role.SUPERVISOR, "WL"),
    # The service department head: the last step of every escalation chain.
    ("service_head", "钱永康", Role.MANAGER, "HQ"),
]
DEALERS = [
    ("D-SH-01", "上海恒通机电设备有限公司", "SH", "021-64281234"),
    ("D-HZ-01", "杭州瑞丰工业设备有限公司", "HZ", "0571-88231234"),
    ("D-NJ-01", "南京华能自动化工程有限公司", "NJ", "025-84561234"),
]
CUSTOMER_NAMES = {
    "SH": [
        "上海宝钢精密零件厂",
        "上海申达汽车配件有限公司",
        "上海浦江食品机械有限公司",
        "上海嘉定模具有限公司",
        "上海松江电子科技有限公司",
        "上海金山化工设备有限公司",
        "上海闵行精工机械厂",
        "上海青浦包装材料有限公司",
        "上海临港重型装备有限公司",
        "上海奉贤医疗器械有限公司",
    ],
    "HZ": [
        "杭州萧山纺织机械有限公司",
        "杭州余杭轴承有限公司",
        "杭州滨江智能装备有限公司",
        "杭州富阳造纸机械厂",
        "杭州临平五金制品有限公司",
        "杭州钱塘新材料有限公司",
        "杭州西湖印刷机械有限公司",
        "杭州桐庐制笔有限公司",
    ],
    "NJ": [
        "南京江宁汽车零部件有限公司",
        "南京浦口电力设备有限公司",
        "南京栖霞石化机械有限公司",
        "南京六合钢结构有限公司",
        "南京溧水食品有限公司",
        "南京高淳陶瓷有限公司",
    ],
    "WL": ["新疆天山冷链物流有限公司", "乌鲁木齐米东化工有限公司", "新疆昌吉乳业有限公司"],
}
STREETS = {
    "SH": "上海市{d}区{s}路{n}号",
    "HZ": "杭州市{d}区{s}路{n}号",
    "NJ": "南京市{d}区{s}路{n}号",
    "WL": "乌鲁木齐市{d}区{s}路{n}号",
}
DISTRICTS = {
    "SH": (["浦东新", "闵行", "徐汇", "静安"], ["嘉定", "松江", "青浦", "奉贤", "金山"]),
    "HZ": (["西湖", "上城", "拱墅", "滨江"], ["萧山", "余杭", "富阳", "临平"]),
    "NJ": (["玄武", "秦淮", "鼓楼", "建邺"], ["江宁", "浦口", "六合", "溧水"]),
    "WL": (["天山", "沙依巴克", "新市"], ["米东", "达坂城"]),
}
ROADS = ["人民", "建设", "解放", "中山", "工业", "科技", "长江", "黄河", "园区", "创业"]
CONTACTS = ["刘经理", "陈工", "张主任", "李厂长", "王工", "赵经理", "孙工", "周主管"]


def load_demo(*, stdout: object | None = None) -> dict[str, int]:
    """Create the demo data set if it is not there yet. Returns counts of what was created."""
    created = {"branches": 0, "people": 0, "customers": 0}
    with transaction.atomic():
        branches = _branches(created)
        lines = _product_lines()
        skills = _skills()
        admin = _demo_users(branches, created)
        _technicians(branches, lines, skills, admin, created)
        _branch_staff(branches, admin, created)
        dealers = _dealers(branches)
        _customers(branches, dealers, admin, created)
        _portal_users(dealers, admin, created)
        created["clocks"] = _clocks()
        from aftersales.demo.installed import load_installed

        created.update(load_installed(admin=admin))
        from aftersales.demo.service_flow import load_service_history

        created.update(load_service_history())
        from aftersales.demo.escalations import load_escalations

        created.update(load_escalations())
        from aftersales.demo.stock import load_stock

        created.update(load_stock())
        from aftersales.demo.stocktake import load_stocktakes

        created.update(load_stocktakes())
        from aftersales.demo.supply import load_supply

        created.update(load_supply())
        created["coordinates"] = _coordinates()
    return created


def _branches(created: dict[str, int]) -> dict[str, Branch]:
    out = {}
    for code, name, name_en, city, head, hours in BRANCHES:
        branch, new = Branch.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "city": city,
                "is_head_office": head,
                "address": f"{city}市",
                "phone": "400-820-1234" if head else "",
            },
        )
        if new:
            created["branches"] += 1
            if hours:
                branch.business_hours = hours
                branch.save(update_fields=["business_hours"])
        for zcode, zname, kind in ZONES:
            Zone.objects.get_or_create(
                branch=branch, code=zcode, defaults={"name": f"{city}{zname}", "kind": kind}
            )
        out[code] = branch
    return out


def _product_lines() -> dict[str, ProductLine]:
    return {
        code: ProductLine.objects.get_or_create(code=code, defaults={"name": n, "name_en": en})[0]
        for code, n, en in PRODUCT_LINES
    }


def _skills() -> dict[str, Skill]:
    return {code: Skill.objects.get_or_create(code=code, defaults={"name": n})[0] for code, n in SKILLS}


def _person(
    username: str, name: str, branch: Branch, phone: str, by: User | None, created: dict[str, int]
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = person_create(
            username=username,
            name=name,
            password=DEMO_PASSWORD,
            home_branch=branch,
            by=by,
            phone=phone,
            check_password=False,
        )
        created["people"] += 1
    return user


def _demo_users(branches: dict[str, Branch], created: dict[str, int]) -> User:
    admin = None
    for username, name, role, branch_code, phone in DEMO_USERS:
        user = _person(username, name, branches[branch_code], phone, admin, created)
        if role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        role_grant(user=user, role=role, branch=branches[branch_code], by=admin)
        if admin is None:
            admin = user
    assert admin is not None
    # The demo technician is certified on two product lines; one certification expires soon.
    tech = User.objects.get(username="technician")
    today = timezone.localdate()
    lines = {p.code: p for p in ProductLine.objects.all()}
    if not Certification.objects.filter(user=tech).exists():
        certification_set(
            user=tech,
            product_line_id=lines["cnc"].pk,
            certified_on=today - datetime.timedelta(days=400),
            expires_on=today + datetime.timedelta(days=330),
            certificate_no="CERT-CNC-0412",
            by=admin,
        )
        certification_set(
            user=tech,
            product_line_id=lines["compressor"].pk,
            certified_on=today - datetime.timedelta(days=700),
            expires_on=today + datetime.timedelta(days=20),
            certificate_no="CERT-CMP-0188",
            by=admin,
        )
    return admin


def _technicians(
    branches: dict[str, Branch],
    lines: dict[str, ProductLine],
    skills: dict[str, Skill],
    admin: User,
    created: dict[str, int],
) -> None:
    today = timezone.localdate()
    for i, (username, name, branch_code, skill_codes, line_codes) in enumerate(TECHNICIANS):
        user = _person(username, name, branches[branch_code], f"1390000{i:04d}", admin, created)
        role_grant(user=user, role=Role.TECHNICIAN, branch=branches[branch_code], by=admin)
        user.skills.add(*[skills[c] for c in skill_codes])
        for j, code in enumerate(line_codes):
            if not Certification.objects.filter(user=user, product_line=lines[code]).exists():
                expires = today + datetime.timedelta(days=25 if (i + j) % 4 == 0 else 365)
                certification_set(
                    user=user,
                    product_line_id=lines[code].pk,
                    certified_on=today - datetime.timedelta(days=300),
                    expires_on=expires,
                    certificate_no=f"CERT-{code.upper()[:3]}-{100 + i * 10 + j}",
                    by=admin,
                )
    tech = User.objects.get(username="technician")
    tech.skills.add(skills["mechanical"], skills["electrical"])


def _branch_staff(branches: dict[str, Branch], admin: User, created: dict[str, int]) -> None:
    for i, (username, name, role, branch_code) in enumerate(BRANCH_STAFF):
        user = _person(username, name, branches[branch_code], f"1370000{i:04d}", admin, created)
        role_grant(user=user, role=role, branch=branches[branch_code], by=admin)
    # The demo supervisor also stands in as a technician of the Shanghai branch (a person may hold several roles).
    role_grant(
        user=User.objects.get(username="supervisor"), role=Role.TECHNICIAN, branch=branches["SH"], by=admin
    )


def _dealers(branches: dict[str, Branch]) -> dict[str, Dealer]:
    out = {}
    for code, name, branch_code, phone in DEALERS:
        out[branch_code] = Dealer.objects.get_or_create(
            code=code, defaults={"name": name, "branch": branches[branch_code], "phone": phone}
        )[0]
    return out


def _customers(
    branches: dict[str, Branch], dealers: dict[str, Dealer], admin: User, created: dict[str, int]
) -> None:
    access = access_for(admin)
    rng = random.Random(20261123)
    for branch_code, names in CUSTOMER_NAMES.items():
        branch = branches[branch_code]
        zones = {z.kind: z for z in branch.zones.all()}
        for i, name in enumerate(names):
            if Customer.objects.filter(name=name).exists():
                continue
            suburban = i % 3 == 2 or any(d in name for d in DISTRICTS[branch_code][1])
            kind = "suburban" if suburban else "urban"
            district = rng.choice(DISTRICTS[branch_code][1 if suburban else 0])
            address = STREETS[branch_code].format(d=district, s=rng.choice(ROADS), n=rng.randint(1, 999))
            data = CustomerData(
                name=name,
                branch_id=branch.pk,
                zone_id=zones[kind].pk,
                dealer_id=dealers[branch_code].pk if branch_code in dealers and i % 2 == 0 else None,
                contact_name=rng.choice(CONTACTS),
                phone=f"1{rng.choice('358')}{rng.randint(100000000, 999999999)}",
                address=address,
            )
            customer_create(data=data, access=access, by=admin)
            created["customers"] += 1
    # A private person too: consumers call as well.
    if not Customer.objects.filter(name="钱先生").exists():
        sh = branches["SH"]
        customer_create(
            data=CustomerData(
                name="钱先生",
                kind=Customer.Kind.PERSON,
                branch_id=sh.pk,
                zone_id=sh.zones.get(kind="urban").pk,
                phone="13912345678",
                address="上海市徐汇区漕溪北路 88 号",
            ),
            access=access,
            by=admin,
        )
        created["customers"] += 1


def _portal_users(dealers: dict[str, Dealer], admin: User, created: dict[str, int]) -> None:
    customer = Customer.objects.get(name="上海申达汽车配件有限公司")
    sh = customer.branch
    user = _person("customer", "申达 · 刘经理", sh, "13600000001", admin, created)
    role_grant(user=user, role=Role.CUSTOMER, branch=sh, by=admin)
    PortalAccount.objects.get_or_create(user=user, defaults={"customer": customer})
    user = _person("dealer", "恒通 · 销售部", sh, "13600000002", admin, created)
    role_grant(user=user, role=Role.DEALER, branch=sh, by=admin)
    PortalAccount.objects.get_or_create(user=user, defaults={"dealer": dealers["SH"]})


# Clocks: until the service flow records its own, demo clocks run on customers so that the clock
# list, countdowns, warnings, escalation and the on-time report have something real to show.
DEMO_CLOCKS = [
    # branch, clock code, clock time used so far in hours (working or calendar, as the clock runs),
    # responsible technician: on time, warned, overdue and escalated clocks side by side
    ("SH", "arrival_urban", 1, "technician"),
    ("SH", "arrival_urban", 5, "sh_tech_li"),
    ("SH", "arrival_suburban", 7.5, "sh_tech_wang"),
    ("SH", "arrival_urban", 9.5, "technician"),
    ("SH", "resolution", 20, "technician"),
    ("SH", "rma_repair", 10, "sh_tech_li"),
    ("SH", "return_inspection", 40, "sh_tech_wang"),
    ("HZ", "arrival_urban", 2, "hz_tech_chen"),
    ("HZ", "arrival_suburban", 6, "hz_tech_yang"),
    ("HZ", "resolution", 12, "hz_tech_chen"),
    ("NJ", "arrival_urban", 6.5, "nj_tech_xu"),
    ("NJ", "follow_up", 30, "nj_tech_xu"),
]


def _started_ago(branch: Branch, code: str, hours: float, now: datetime.datetime) -> datetime.datetime:
    """The start instant from which the clock has used ``hours`` of its own kind of time by now."""
    from aftersales.sla.calendar import calendar_for
    from aftersales.sla.engine import working_between
    from aftersales.sla.models import ClockPolicy

    kind = ClockPolicy.objects.filter(code=code, scope_key="default").values_list("kind", flat=True).first()
    if kind != "working":
        return now - datetime.timedelta(hours=hours)
    cal = calendar_for(branch).calendar
    want = datetime.timedelta(hours=hours)
    start = now
    while working_between(cal, start, now) < want:
        start -= datetime.timedelta(minutes=15)
    return start


def _clocks() -> int:
    from aftersales.sla.models import Clock
    from aftersales.sla.services import clock_start, clock_stop

    if Clock.objects.exists():
        return 0
    rng = random.Random(3)
    now = timezone.now()
    made = 0
    customers = {
        code: list(Customer.objects.filter(branch__code=code).order_by("pk")) for code in ("SH", "HZ", "NJ")
    }
    techs = {u.username: u for u in User.objects.filter(username__in={c[3] for c in DEMO_CLOCKS})}
    used: dict[str, int] = {}
    # Open clocks at various points of their life.
    for branch_code, code, hours, tech in DEMO_CLOCKS:
        i = used.get(branch_code, 0)
        used[branch_code] = i + 1
        customer = customers[branch_code][i]
        clock_start(
            subject=customer,
            code=code,
            by=None,
            at=_started_ago(customer.branch, code, hours, now),
            responsible=techs.get(tech),
            subject_url=f"/customers/{customer.pk}/",
        )
        made += 1
    # Finished clocks of the last three months, about nine in ten on time, for the report.
    finished = ["arrival_urban", "arrival_suburban", "resolution", "rma_reply"]
    for day in range(90, 1, -1):
        for branch_code in ("SH", "HZ", "NJ"):
            if rng.random() < 0.45:
                continue
            customer = rng.choice(customers[branch_code][used.get(branch_code, 0) :])
            code = rng.choice(finished)
            start = now - datetime.timedelta(days=day, hours=rng.randint(0, 6))
            tech_names = [t for b, _c, _h, t in DEMO_CLOCKS if b == branch_code]
            clock = clock_start(
                subject=customer,
                code=code,
                by=None,
                at=start,
                responsible=techs.get(rng.choice(tech_names)),
                subject_url=f"/customers/{customer.pk}/",
            )
            assert clock.due_at is not None
            allowed = clock.due_at - start
            late = rng.random() < 0.11
            stop_at = (
                clock.due_at + datetime.timedelta(hours=rng.randint(1, 20))
                if late
                else start + allowed * rng.uniform(0.3, 0.95)
            )
            clock_stop(subject=customer, code=code, by=None, at=stop_at)
            made += 1
    return made


# City centres (latitude, longitude) of the demo branches' cities.
CITY_CENTRES = {
    "上海": (31.2304, 121.4737),
    "杭州": (30.2741, 120.1551),
    "南京": (32.0603, 118.7969),
    "乌鲁木齐": (43.8256, 87.6168),
}


def _coordinates() -> int:
    """Give every demo branch, customer and site without coordinates a realistic place: the
    branch in its city centre, urban customers within ~8 km of it, suburban ones 15–35 km out,
    sites next to their customer. Deterministic (seeded by the row's id); returns how many were set."""
    import math
    from decimal import Decimal

    from aftersales.installed.models import Site

    def place(centre: tuple[float, float], seed: int, kind: str) -> tuple[Decimal, Decimal]:
        rng = random.Random(seed)
        km = rng.uniform(15.0, 35.0) if kind in ("suburban", "remote") else rng.uniform(0.5, 8.0)
        angle = rng.uniform(0.0, 2 * math.pi)
        lat = centre[0] + km * math.sin(angle) / 111.32
        lon = centre[1] + km * math.cos(angle) / (111.32 * math.cos(math.radians(centre[0])))
        return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    count = 0
    for branch in Branch.objects.filter(latitude__isnull=True):
        centre = CITY_CENTRES.get(branch.city)
        if centre is not None:
            branch.latitude, branch.longitude = (
                place(centre, branch.pk, "centre")
                if not branch.is_head_office
                else (
                    Decimal(f"{centre[0]:.6f}"),
                    Decimal(f"{centre[1]:.6f}"),
                )
            )
            branch.save(update_fields=["latitude", "longitude"])
            count += 1
    for customer in Customer.objects.filter(latitude__isnull=True).select_related("branch", "zone"):
        centre = CITY_CENTRES.get(customer.branch.city)
        if centre is not None:
            kind = customer.zone.kind if customer.zone is not None else "urban"
            customer.latitude, customer.longitude = place(centre, 7919 * customer.pk, kind)
            customer.save(update_fields=["latitude", "longitude"])
            count += 1
    for site in Site.objects.filter(latitude__isnull=True).select_related("customer"):
        c = site.customer
        if c.latitude is not None and c.longitude is not None:
            rng = random.Random(104729 * site.pk)
            site.latitude = c.latitude + Decimal(f"{rng.uniform(-0.01, 0.01):.6f}")
            site.longitude = c.longitude + Decimal(f"{rng.uniform(-0.01, 0.01):.6f}")
            site.save(update_fields=["latitude", "longitude"])
            count += 1
    for branch in Branch.objects.exclude(latitude__isnull=True):
        # the second technician of each branch keeps his van at home and sets out from there
        techs = list(
            User.objects.filter(role_assignments__role=Role.TECHNICIAN, role_assignments__branch=branch)
            .distinct()
            .order_by("pk")
        )
        if len(techs) >= 2 and techs[1].start_latitude is None:
            centre = (float(branch.latitude), float(branch.longitude))  # type: ignore[arg-type]
            techs[1].start_latitude, techs[1].start_longitude = place(centre, 15485863 * techs[1].pk, "urban")
            techs[1].save(update_fields=["start_latitude", "start_longitude"])
            count += 1
    return count
