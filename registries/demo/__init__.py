"""The demo county: 晋城市 / 阳城县 with its departments, registries and one user per role.

Seeded and deterministic: the same records come out on every run, and a second run only
finds them there and creates nothing. Everything is written with bulk_create in one
transaction, so a failed load leaves nothing behind.

Demo passwords are not in the repository: each is derived from the installation's
SECRET_KEY (HMAC), so `demo_logins` can print them again and another installation has
other ones. The commands refuse to run unless DEBUG is on or --force is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from registries import credit_code
from registries.access import is_inspector
from registries.demo.county import (
    AMR,
    BRAND_CHARS,
    CITY,
    CITY_AMR,
    CITY_COUNTIES,
    COMPANY_TRADES,
    COOP_PRODUCTS,
    COUNTY,
    DEPARTMENTS,
    DRC,
    ECO,
    EDU,
    EXPERTISE,
    FIRE,
    FOOD_PRODUCTS,
    GIVEN,
    HOUSING,
    HRSS,
    INDUSTRY_TAGS,
    KEY_AREA_TAGS,
    LICENCE_TAGS,
    OFFICE,
    ORDINALS,
    PROVINCE,
    SHOP_KINDS,
    STATION_OWNERS,
    STATS,
    STREETS,
    SURNAMES,
    TOWNS,
    TRANSPORT,
    VILLAGES,
)
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Conflict,
    Department,
    DepartmentAlias,
    Expert,
    Expertise,
    ExpertKind,
    InspectionMethod,
    Inspector,
    InspectorStatus,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    Level,
    Region,
    Role,
    Tag,
    TagKind,
    Target,
    TargetKind,
    TargetStatus,
    User,
)

SEED = 140522
M = TypeVar("M", bound=Model)
DEFAULT_TARGETS = 20_000
BATCH = 2000


@dataclass
class Stats:
    created: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int) -> None:
        self.created[what] += n

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        if not self.total:
            return "演示数据已存在，未作任何修改"
        return "新建：" + "，".join(f"{what} {n}" for what, n in self.created.items() if n)


# --- helpers -------------------------------------------------------------------------------


def organisation_code(n: int) -> str:
    """A 9-character 组织机构代码 (GB 11714: 8 characters and their check character) from a serial."""
    alphabet = credit_code.ALPHABET
    # Spread consecutive serials over the code space (a bijection mod 31**6: 7919 is prime to 31).
    value = (n * 7919 + 104729) % 31**6
    body = "MA"
    for _ in range(6):
        value, digit = divmod(value, 31)
        body += alphabet[digit]
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def registration_number(region: str, n: int) -> str:
    """An old 15-digit 工商注册号: division code, serial, ISO 7064 MOD 11,10 check digit."""
    body = f"{region}{n:08d}"
    p = 10
    for digit in body:
        s = (p + int(digit)) % 10 or 10
        p = (2 * s) % 11
    return body + str((11 - p) % 10)


def demo_password(username: str) -> str:
    """The demo password of `username` on this installation: derived from SECRET_KEY, never stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-login:{username}".encode(), hashlib.sha256).digest()
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    tail = "".join(letters[b % len(letters)] for b in digest[:8])
    return f"Yc-{tail}{digest[8] % 10}"  # upper, lower, digit and symbol: passes the password rules


def _create_missing(
    model: type[M], objs: Iterable[M], key: Callable[[M], Hashable], existing: set[Any], stats: Stats
) -> list[M]:
    new = [obj for obj in objs if key(obj) not in existing]
    model._default_manager.bulk_create(new, batch_size=BATCH)
    stats.add(str(model._meta.verbose_name), len(new))
    return new


# --- the loader ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    department: str | None


DEMO_USERS = [
    DemoUser("amr_staff", "王丽", Role.STAFF, AMR),
    DemoUser("drc_staff", "李强", Role.STAFF, DRC),
    DemoUser("city_staff", "陈静", Role.STAFF, CITY_AMR),
    DemoUser("inspector", "张军", Role.INSPECTOR, AMR),
    DemoUser("leader", "刘建国", Role.LEADER, AMR),
    DemoUser("office", "赵敏", Role.OFFICE, OFFICE),
    DemoUser("sysadmin", "孙磊", Role.SYSTEM_ADMIN, None),
    DemoUser("secadmin", "周涛", Role.SECURITY_ADMIN, None),
    DemoUser("auditadmin", "吴芳", Role.AUDIT_ADMIN, None),
]


def load(*, targets: int = DEFAULT_TARGETS, seed: int = SEED) -> Stats:
    """Load the demo county; return what was created (nothing on a second run)."""
    loader = _Loader(targets=targets, seed=seed)
    with transaction.atomic():
        loader.run()
    return loader.stats


class _Loader:
    def __init__(self, *, targets: int, seed: int) -> None:
        self.n_targets = targets
        self.rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
        self.stats = Stats()
        self.today = timezone.localdate()
        self.regions: dict[str, Region] = {}
        self.departments: dict[str, Department] = {}
        self.tags: dict[str, Tag] = {}
        self.expertise: dict[str, Expertise] = {}
        self.used_names: set[str] = set()
        self.serial = 0

    def run(self) -> None:
        self.load_regions()
        self.load_departments()
        self.load_tags()
        self.load_targets()
        self.load_inspectors()
        self.load_experts()
        self.load_checklist()
        self.load_users()
        self.load_conflicts()
        from registries.services.duplicates import duplicates_flag

        self.stats.add("疑似重复", duplicates_flag())

    # regions and departments ------------------------------------------------------------

    def load_regions(self) -> None:
        specs: list[tuple[str, str, str, str | None]] = [
            (*PROVINCE, Level.PROVINCE, None),
            (*CITY, Level.CITY, PROVINCE[0]),
            (*COUNTY, Level.COUNTY, CITY[0]),
            *((code, name, Level.COUNTY, CITY[0]) for code, name in CITY_COUNTIES),
            *((code, name, Level.TOWN, COUNTY[0]) for code, name in TOWNS),
        ]
        self.regions = {r.code: r for r in Region.objects.all()}
        for code, name, level, parent in specs:  # a handful, in parent order
            if code not in self.regions:
                self.regions[code] = Region.objects.create(
                    code=code, name=name, level=level, parent=self.regions.get(parent) if parent else None
                )
                self.stats.add("行政区划", 1)

    def load_departments(self) -> None:
        self.departments = {d.name: d for d in Department.objects.all()}
        for spec in DEPARTMENTS:  # parents come first in the list
            if spec.name not in self.departments:
                self.departments[spec.name] = Department.objects.create(
                    name=spec.name,
                    short_name=spec.short_name,
                    level=spec.level,
                    region=self.regions[spec.region],
                    parent=self.departments[spec.parent] if spec.parent else None,
                    is_leading_group_office=spec.office,
                )
                self.stats.add("部门", 1)
        aliases = [
            DepartmentAlias(department=self.departments[spec.name], name=alias)
            for spec in DEPARTMENTS
            for alias in spec.aliases
        ]
        existing = set(DepartmentAlias.objects.values_list("name", flat=True))
        _create_missing(DepartmentAlias, aliases, lambda a: a.name, existing, self.stats)

    def load_tags(self) -> None:
        wanted = [
            *((name, TagKind.LICENCE) for name in LICENCE_TAGS),
            *((name, TagKind.INDUSTRY) for name in INDUSTRY_TAGS),
            *((name, TagKind.KEY_AREA) for name in KEY_AREA_TAGS),
        ]
        existing = set(Tag.objects.values_list("name", flat=True))
        _create_missing(
            Tag,
            (Tag(name=n, kind=k) for n, k in wanted),
            lambda t: t.name,
            existing,
            self.stats,
        )
        self.tags = {t.name: t for t in Tag.objects.all()}
        existing = set(Expertise.objects.values_list("name", flat=True))
        _create_missing(
            Expertise,
            (Expertise(name=n) for n in EXPERTISE),
            lambda e: e.name,
            existing,
            self.stats,
        )
        self.expertise = {e.name: e for e in Expertise.objects.all()}

    # targets -------------------------------------------------------------------------------

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2))))

    def brand(self) -> str:
        return "".join(self.rng.sample(BRAND_CHARS, 2))

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        self.serial += 1
        name = f"{make()}{self.serial}"
        self.used_names.add(name)
        return name

    def address(self, town: str, region_name: str = COUNTY[1]) -> str:
        if town == "凤城镇" and self.rng.random() < 0.6:
            place = f"{self.rng.choice(STREETS)}{self.rng.randint(1, 399)}号"
        else:
            place = f"{self.rng.choice(VILLAGES)}{self.rng.randint(1, 199)}号"
        return f"山西省晋城市{region_name}{town}{place}"

    def status(self) -> str:
        roll = self.rng.random()
        if roll < 0.04:
            return TargetStatus.CANCELLED
        if roll < 0.05:
            return TargetStatus.REVOKED
        if roll < 0.055:
            return TargetStatus.MOVED_OUT
        return TargetStatus.ACTIVE

    def established(self) -> dt.date:
        return dt.date(2000, 1, 1) + dt.timedelta(days=self.rng.randint(0, 365 * 24))

    def make_target(
        self,
        *,
        kind: str,
        name: str,
        department: str,
        tags: Iterable[str],
        industry: str = "",
        town: str | None = None,
        region: str = COUNTY[0],
        prefix: str = "91",
        identifier: str | None = None,
    ) -> tuple[Target, list[str]]:
        self.serial += 1
        region_obj = self.regions[region]
        town = town or self.rng.choice(TOWNS)[1]
        established = self.established()
        code = None if identifier else credit_code.make(f"{prefix}{region}{organisation_code(self.serial)}"[:17])
        # Entities registered before the 2015 reform still carry their old registration number.
        registration_no = ""
        if code and prefix.startswith("9") and established.year < 2015:
            registration_no = registration_number(region, self.serial)
        target = Target(
            kind=kind,
            credit_code=code,
            identifier=identifier,
            registration_no=registration_no,
            name=name,
            region=region_obj,
            address=self.address(town, region_obj.name) if region == COUNTY[0] else self.city_address(region_obj.name),
            industry=industry,
            status=self.status(),
            established_on=established,
            department=self.departments[department],
        )
        return target, [*tags, *([industry] if industry in INDUSTRY_TAGS else [])]

    def city_address(self, county: str) -> str:
        return f"山西省晋城市{county}{self.rng.choice(STREETS)}{self.rng.randint(1, 599)}号"

    def company(self, prefix: str, words: list[str], suffix: str = "有限公司") -> Callable[[str], str]:
        return lambda town: f"{prefix}{self.brand()}{self.rng.choice(words)}{suffix}"

    def shop(self, words: list[str]) -> Callable[[str], str]:
        return lambda town: f"{COUNTY[1]}{town}{self.person()}{self.rng.choice(words)}"

    def batch(self, count: int, make_name: Callable[[str], str], **fields: Any) -> list[tuple[Target, list[str]]]:
        out = []
        for _ in range(count):
            town = self.rng.choice(TOWNS)[1]
            out.append(self.make_target(name=self.unique(partial(make_name, town)), town=town, **fields))
        return out

    def target_specs(self) -> list[tuple[Target, list[str]]]:
        n = self.n_targets

        def share(fraction: float) -> int:
            return max(3, round(n * fraction))

        county = COUNTY[1]
        ent, ind = TargetKind.ENTERPRISE, TargetKind.INDIVIDUAL
        trade, make = "批发和零售业", "制造业"
        out = self.batch(
            share(0.003), self.company(county, ["粮油购销", "粮贸", "粮食收储"]),
            kind=ent, department=DRC, industry=trade, tags=["粮食收购企业"],
        )  # fmt: skip
        for i in range(share(0.00225)):
            town = TOWNS[i % len(TOWNS)][1]
            station = f"{self.rng.choice(STATION_OWNERS)}阳城{town}{ORDINALS[i // 17]}加油站"
            self.used_names.add(station)
            out.append(self.make_target(
                name=station,
                kind=ent, department=AMR, industry=trade, town=town, tags=["加油站", "民生计量"],
            ))  # fmt: skip
        out += self.batch(
            share(0.002), self.company(county, ["眼镜店", "眼镜行", "视光中心"], ""),
            kind=ind, prefix="92", department=AMR, industry=trade, tags=["眼镜制配场所", "民生计量"],
        )  # fmt: skip
        out += self.batch(
            share(0.0075), self.company(county, FOOD_PRODUCTS),
            kind=ent, department=AMR, industry=make, tags=["食品生产企业", "食品安全"],
        )  # fmt: skip
        out += self.batch(
            share(0.004), self.company("山西", ["建材", "化工", "水泥", "电线电缆"]),
            kind=ent, department=AMR, industry=make, tags=["工业产品生产许可证获证企业"],
        )  # fmt: skip
        out += self.batch(
            share(0.001), self.company(county, ["塑料包装", "纸制品", "餐具"]),
            kind=ent, department=AMR, industry=make, tags=["食品相关产品生产许可证获证企业"],
        )  # fmt: skip
        out += self.batch(
            share(0.00075), self.company(county, ["健康产品服务部", "保健品经销部"], ""),
            kind=ent, department=AMR, industry=trade, tags=["直销企业服务网点"],
        )  # fmt: skip
        out += self.batch(
            share(0.075), self.company(county, ["超市", "食品", "副食"]),
            kind=ent, department=AMR, industry=trade, tags=["食品经营企业", "食品安全"],
        )  # fmt: skip
        out += self.batch(
            share(0.04), self.shop(["饭店", "小吃部", "面馆"]),
            kind=ind, prefix="92", department=AMR, industry="住宿和餐饮业", tags=["餐饮服务单位", "食品安全"],
        )  # fmt: skip
        out += self.batch(
            share(0.0045), self.company(county, ["宾馆", "酒店", "旅馆", "快捷酒店"], ""),
            kind=ent, department=FIRE, industry="住宿和餐饮业", tags=["旅馆", "消防安全重点单位"],
        )  # fmt: skip
        out += self.batch(
            share(0.006), self.company(county, ["运输", "物流", "客运"]),
            kind=ent, department=TRANSPORT, industry="交通运输业", tags=["道路运输企业"],
        )  # fmt: skip
        out += self.batch(
            share(0.0075), self.company("山西阳城", ["煤业", "电力", "陶瓷", "化工"]),
            kind=ent, department=ECO, industry=make, tags=["重点排污单位"],
        )  # fmt: skip
        out += self.batch(
            share(0.005), self.company(county, ["铸造", "机械", "冶炼", "耐材"]),
            kind=ent, department=STATS, industry=make, tags=["规模以上工业企业"],
        )  # fmt: skip
        out += self.batch(
            share(0.002), self.company(county, ["人力资源服务"]),
            kind=ent, department=HRSS, industry="居民服务业", tags=["人力资源服务机构"],
        )  # fmt: skip
        self.add_schools(out.append, share)
        self.add_projects(out.append, share)
        city_tags = ["强制性产品认证获证组织", "自愿性认证获证组织", "工业产品生产许可证获证企业"]
        for _ in range(share(0.02)):
            out.append(self.make_target(
                name=self.unique(lambda: self.company("晋城市", ["电器", "汽车配件", "钢铁", "建材"])("")),
                kind=ent, department=CITY_AMR, industry=make, region=self.rng.choice(CITY_COUNTIES)[0],
                tags=[self.rng.choice(city_tags)],
            ))  # fmt: skip

        def coop(town: str) -> str:
            return f"{county}{town}{self.rng.choice(VILLAGES)}{self.rng.choice(COOP_PRODUCTS)}专业合作社"

        out += self.batch(
            share(0.045), coop,
            kind=TargetKind.COOPERATIVE, prefix="93", department=AMR, industry="农林牧渔业", tags=[],
        )  # fmt: skip
        # The rest of the market: ordinary companies and 个体工商户.
        for i in range(max(0, n - len(out))):
            if i % 3 == 0:
                word, industry = self.rng.choice(COMPANY_TRADES)
                out += self.batch(1, self.company(county, [word]), kind=ent, department=AMR, industry=industry, tags=[])
            else:
                out += self.batch(
                    1, self.shop(SHOP_KINDS), kind=ind, prefix="92", department=AMR, industry=trade, tags=[]
                )
        return out

    def add_schools(self, add: Callable[[tuple[Target, list[str]]], None], share: Callable[..., int]) -> None:
        county = COUNTY[1]
        schools = [f"{county}第一中学校", f"{county}第二中学校", f"{county}职业中学", f"{county}实验小学"]
        schools += [f"{county}{town}中心学校" for _, town in TOWNS]
        schools += [f"{county}{town}{village}小学" for _, town in TOWNS[:8] for village in VILLAGES[:6]]
        for name in schools[: share(0.006)]:
            add(self.make_target(
                kind=TargetKind.SCHOOL, department=EDU, industry="教育", prefix="12", tags=["学校"],
                name=name,
            ))  # fmt: skip
        for _ in range(share(0.0015)):
            add(self.make_target(
                kind=TargetKind.SCHOOL, department=EDU, industry="教育", prefix="52", tags=["幼儿园"],
                name=self.unique(lambda: f"{county}{self.brand()}幼儿园"),
            ))  # fmt: skip

    def add_projects(self, add: Callable[[tuple[Target, list[str]]], None], share: Callable[..., int]) -> None:
        for i in range(share(0.0075)):
            day = dt.date(2022, 1, 1) + dt.timedelta(days=self.rng.randint(0, 1000))
            permit = f"{COUNTY[0]}{day:%Y%m%d}{i % 100:02d}01"
            add(self.make_target(
                kind=TargetKind.PROJECT, department=HOUSING, industry="建筑业", tags=["建筑工程项目", "安全生产"],
                identifier=permit,
                name=self.unique(lambda: f"{self.brand()}{self.rng.choice(['花园', '小区', '家园'])}"
                                 f"{self.rng.randint(1, 20)}#楼建设项目"),
            ))  # fmt: skip

    def planted_duplicates(self, specs: list[tuple[Target, list[str]]]) -> list[tuple[Target, list[str]]]:
        """A handful of likely duplicates, as they arrive from licensing data."""
        planted: list[tuple[Target, list[str]]] = []
        with_reg = [
            t for t, _ in specs if t.registration_no and t.department.name == AMR and t.name.startswith(COUNTY[1])
        ][:3]
        for k, original in enumerate(with_reg):
            # An old licence record: no credit code, the old registration number, a shorter name.
            planted.append((
                Target(
                    kind=original.kind, credit_code=None, identifier=f"JYXK-{original.registration_no}",
                    registration_no=original.registration_no, name=original.name.removeprefix(COUNTY[1]),
                    region=original.region, address="" if k else original.address, industry=original.industry,
                    status=TargetStatus.ACTIVE, established_on=original.established_on,
                    department=original.department,
                ),
                ["食品经营企业"],
            ))  # fmt: skip
        with_address = [t for t, _ in specs if t.department.name == AMR and t.kind == TargetKind.INDIVIDUAL][5:8]
        for original in with_address:
            # The same shop typed again: spaces, full-width digits.
            messy_address = original.address.translate({ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"})
            planted.append((
                Target(
                    kind=original.kind, credit_code=None, identifier=f"GTLR-{original.credit_code}",
                    name=original.name.replace(COUNTY[1], f"{COUNTY[1]} "), region=original.region,
                    address=f" {messy_address}", industry=original.industry, status=TargetStatus.ACTIVE,
                    department=original.department,
                ),
                [],
            ))  # fmt: skip
        return planted

    def load_targets(self) -> None:
        specs = self.target_specs()
        specs += self.planted_duplicates(specs)
        existing = set(Target.objects.filter(credit_code__isnull=False).values_list("credit_code", flat=True))
        existing |= set(Target.objects.filter(identifier__isnull=False).values_list("identifier", flat=True))
        new = [(t, tags) for t, tags in specs if t.natural_key_value not in existing]
        Target.objects.bulk_create([t for t, _ in new], batch_size=BATCH)
        self.stats.add("检查对象", len(new))
        if not new:
            return
        keys = {t.natural_key_value for t, _ in new}
        ids = {}
        for start in range(0, len(new), BATCH):
            chunk = [t.natural_key_value for t, _ in new[start : start + BATCH]]
            ids.update(dict(Target.objects.filter(credit_code__in=chunk).values_list("credit_code", "id")))
            ids.update(dict(Target.objects.filter(identifier__in=chunk).values_list("identifier", "id")))
        assert keys <= ids.keys()
        through = Target.tags.through
        links = [
            through(target_id=ids[t.natural_key_value], tag_id=self.tags[tag].pk)
            for t, tags in new
            for tag in dict.fromkeys(tags)
        ]
        through.objects.bulk_create(links, batch_size=BATCH)

    # inspectors, experts, conflicts ------------------------------------------------------

    INSPECTOR_PLAN = [
        (AMR, 70, ["食品", "计量", "特种设备", "质量", "商标", "专利", "广告", "价格"]),
        (CITY_AMR, 25, ["食品", "计量", "认证认可", "标准化", "质量", "直销", "特种设备"]),
        (DRC, 12, ["粮食", "价格", "统计"]),
        (STATS, 8, ["统计", "粮食"]),
        (EDU, 15, ["教育", "食品", "消防"]),
        (TRANSPORT, 15, ["交通运输", "特种设备"]),
        (HOUSING, 15, ["建筑", "特种设备", "消防"]),
        (HRSS, 10, ["劳动保障"]),
        (FIRE, 20, ["消防", "建筑"]),
        (ECO, 15, ["生态环境"]),
    ]

    def id_number(self) -> str:
        """A 居民身份证号码 (GB 11643) of someone born 1965-1998 in the county."""
        born = dt.date(1965, 1, 1) + dt.timedelta(days=self.rng.randint(0, 365 * 33))
        body = f"{COUNTY[0]}{born:%Y%m%d}{self.rng.randint(0, 999):03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]

    def load_inspectors(self) -> None:
        specs: list[tuple[Inspector, list[str]]] = []
        codes = {spec.name: spec.code for spec in DEPARTMENTS}
        for department, count, fields in self.INSPECTOR_PLAN:
            for k in range(count):
                roll = self.rng.random()
                status = InspectorStatus.ACTIVE
                if roll < 0.05:
                    status = InspectorStatus.TRANSFERRED
                elif roll < 0.08:
                    status = InspectorStatus.RETIRED
                expired = self.rng.random() < 0.08
                days = -self.rng.randint(1, 400) if expired else self.rng.randint(30, 1500)
                dept = self.departments[department]
                inspector = Inspector(
                    name=self.person(),
                    id_number=self.id_number(),
                    phone=f"1{self.rng.choice('3589')}{self.rng.randint(0, 999_999_999):09d}",
                    department=dept,
                    region=dept.region,
                    certificate_no=f"14{codes[department]}{dept.region.code[-4:]}{k + 1:05d}",
                    certificate_valid_until=self.today + dt.timedelta(days=days),
                    status=status,
                )
                specs.append((inspector, self.rng.sample(fields, k=min(len(fields), self.rng.randint(1, 3)))))
        existing = set(Inspector.objects.values_list("certificate_no", flat=True))
        new = [(i, e) for i, e in specs if i.certificate_no not in existing]
        Inspector.objects.bulk_create([i for i, _ in new], batch_size=BATCH)
        self.stats.add("执法检查人员", len(new))
        ids = dict(
            Inspector.objects.filter(certificate_no__in=[i.certificate_no for i, _ in new]).values_list(
                "certificate_no", "id"
            )
        )
        through = Inspector.expertise.through
        through.objects.bulk_create(
            [
                through(inspector_id=ids[i.certificate_no], expertise_id=self.expertise[name].pk)
                for i, names in new
                for name in names
            ],
            batch_size=BATCH,
        )

    EXPERTS = [
        (ExpertKind.INSTITUTION, "晋城市综合检验检测中心", "检验检测机构资质认定证书", ["食品", "质量"], CITY_AMR),
        (ExpertKind.INSTITUTION, "晋城市计量测试所", "法定计量检定机构授权证书", ["计量"], CITY_AMR),
        (ExpertKind.INSTITUTION, "山西晋审会计师事务所有限公司", "会计师事务所执业证书", ["价格"], DRC),
        (ExpertKind.INSTITUTION, "山西省特种设备检验研究院晋城分院", "特种设备检验机构核准证", ["特种设备"], AMR),
        (ExpertKind.INSTITUTION, "晋城市建设工程质量检测中心", "建设工程质量检测机构资质证书", ["建筑"], HOUSING),
        (ExpertKind.INSTITUTION, "山西环科环境检测有限公司", "检验检测机构资质认定证书", ["生态环境"], ECO),
    ]

    def load_experts(self) -> None:
        specs: list[tuple[Expert, list[str]]] = []
        for kind, name, qualification, fields, department in self.EXPERTS:
            dept = self.departments[department]
            specs.append((
                Expert(kind=kind, name=name, organisation=name, qualification=qualification,
                       qualification_valid_until=self.today + dt.timedelta(days=self.rng.randint(200, 1200)),
                       department=dept, region=dept.region),
                fields,
            ))  # fmt: skip
        for k in range(20):
            field_name = EXPERTISE[k % 12]
            dept = self.departments[[AMR, CITY_AMR, HOUSING, FIRE][k % 4]]
            specs.append((
                Expert(kind=ExpertKind.PERSON, name=self.person(), organisation=self.rng.choice(
                           ["太原理工大学", "晋城职业技术学院", "山西省食品药品检验所", "晋城市人民医院"]),
                       qualification=f"{field_name}高级工程师", department=dept, region=dept.region,
                       qualification_valid_until=self.today + dt.timedelta(days=self.rng.randint(-200, 1500)),
                       is_active=k % 7 != 3),
                [field_name],
            ))  # fmt: skip
        existing = set(Expert.objects.values_list("name", "department_id"))
        new = [(e, f) for e, f in specs if (e.name, e.department_id) not in existing]
        for expert, fields in new:  # a few dozen: one by one keeps the M2M simple
            expert.save()
            expert.expertise.set([self.expertise[f] for f in fields])
        self.stats.add("专家及专业机构", len(new))

    def load_conflicts(self) -> None:
        inspectors = list(
            Inspector.objects.filter(status=InspectorStatus.ACTIVE, department__name__in=[AMR, DRC, FIRE])
            .order_by("certificate_no")
            .values_list("id", "department_id")
        )
        reasons = ["近亲属担任该企业负责人", "曾在该企业任职未满三年", "与该企业负责人有利害关系", "本人持有该企业股份"]
        targets_of: dict[int, list[int]] = {}
        wanted: list[Conflict] = []
        for k, (inspector_id, department_id) in enumerate(inspectors[::4][:30]):
            if department_id not in targets_of:
                targets_of[department_id] = list(
                    Target.objects.filter(department_id=department_id, credit_code__isnull=False)
                    .order_by("credit_code")
                    .values_list("id", flat=True)[:200]
                )
            candidates = targets_of[department_id]
            if candidates:
                target_id = candidates[(k * 37) % len(candidates)]
                wanted.append(Conflict(inspector_id=inspector_id, target_id=target_id, reason=reasons[k % 4]))
        existing = set(Conflict.objects.values_list("inspector_id", "target_id"))
        _create_missing(Conflict, wanted, lambda c: (c.inspector_id, c.target_id), existing, self.stats)

    # checklist ------------------------------------------------------------------------------

    def load_checklist(self) -> None:
        from registries.demo.checklist import ITEMS

        bases_wanted = {(law, article) for item in ITEMS for version in item.versions for law, article in version.bases}
        existing_bases = set(LegalBasis.objects.values_list("law", "article"))
        _create_missing(
            LegalBasis,
            (LegalBasis(law=law, article=article) for law, article in sorted(bases_wanted)),
            lambda b: (b.law, b.article),
            existing_bases,
            self.stats,
        )
        bases = {(b.law, b.article): b for b in LegalBasis.objects.all()}
        existing_items = set(ChecklistItem.objects.values_list("code", flat=True))
        created_at = timezone.make_aware(dt.datetime(2022, 2, 15, 9, 0))  # noqa: DTZ001
        for item_spec in ITEMS:
            if item_spec.code in existing_items:
                continue
            item = ChecklistItem.objects.create(code=item_spec.code)
            for number, version in enumerate(item_spec.versions, start=1):
                superseded = number < len(item_spec.versions)
                obj = ChecklistItemVersion.objects.create(
                    item=item,
                    version=number,
                    name=version.name,
                    category=ItemCategory.KEY if version.key else ItemCategory.GENERAL,
                    object_type=version.object_type,
                    inspecting_body=version.body,
                    content=version.content,
                    methods=[m.value for m in version.methods] or [InspectionMethod.ON_SITE.value],
                    created_at=created_at + dt.timedelta(days=365 * (number - 1)),
                    superseded_at=created_at + dt.timedelta(days=365 * number) if superseded else None,
                )
                obj.legal_bases.set([bases[b] for b in version.bases])
            ItemClaim.objects.bulk_create(
                [
                    ItemClaim(item=item, department=self.departments[d], claimed_at=created_at)
                    for d in item_spec.claimed_by
                ]
            )
            self.stats.add("抽查事项", 1)

    # users --------------------------------------------------------------------------------

    def load_users(self) -> None:
        existing = set(
            User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True)
        )
        for spec in DEMO_USERS:
            if spec.username in existing:
                continue
            user = User(
                username=spec.username,
                full_name=spec.full_name,
                role=spec.role,
                department=self.departments[spec.department] if spec.department else None,
            )
            user.set_password(demo_password(spec.username))
            if hasattr(user, "password_changed_at"):
                # Not an initial password handed out by an administrator: no forced change in the
                # demo. `password_changed` reads this stamp to tell whether it was changed since.
                user.password_changed_at = user.date_joined
            user.save()
            self.stats.add("用户", 1)
            if is_inspector(user):  # an inspector account is linked to its registry record
                dept = self.departments[spec.department or AMR]
                inspector, _ = Inspector.objects.get_or_create(
                    certificate_no="14SC052299001",
                    defaults={
                        "name": spec.full_name,
                        "department": dept,
                        "region": dept.region,
                        "certificate_valid_until": self.today + dt.timedelta(days=1000),
                        "id_number": self.id_number(),
                        "phone": "13935600001",
                    },
                )
                inspector.user = user
                inspector.save(update_fields=["user"])
                inspector.expertise.add(self.expertise["食品"], self.expertise["计量"])


def logins() -> list[tuple[str, str, str, str]]:
    """(username, role, department, password) of each demo user present; a changed password is not shown."""
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    rows = []
    for spec in DEMO_USERS:
        user = users.get(spec.username)
        if user is None:
            continue
        shown = "（已修改）" if password_changed(user) else demo_password(spec.username)
        rows.append((user.username, str(user.get_role_display()), str(user.department or "—"), shown))
    return rows


def password_changed(user: User) -> bool:
    """Whether the demo password was changed or reset since the loader set it.

    Checking the password itself costs a full PBKDF2 round per user (over a second each);
    the loader stamps password_changed_at with the account's creation, and every change
    or reset moves it (or clears it), so the stamp tells.
    """
    if not hasattr(user, "password_changed_at"):
        return not user.check_password(demo_password(user.username))
    stamp = user.password_changed_at
    return stamp is None or abs(stamp - user.date_joined) > dt.timedelta(minutes=1)
