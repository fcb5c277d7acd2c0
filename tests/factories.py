"""factory_boy factories with real data shapes: Chinese names, valid credit codes."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from registries import credit_code
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Conflict,
    Department,
    Expert,
    Expertise,
    Inspector,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    Level,
    Region,
    Role,
    Tag,
    Target,
    TargetKind,
    User,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [*"伟芳娜敏静丽强磊军洋勇艳杰涛明超", "秀英", "建国", "晓东"]


def chinese_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def enterprise_code(n: int, region_code: str = "140522") -> str:
    """A valid 统一社会信用代码 of an enterprise (91...) in the given county."""
    body = f"91{region_code}{n:08d}"
    body += credit_code.ALPHABET[n % 31]
    return credit_code.make(body[:17])


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "140522"
    name = "阳城县"
    level = Level.COUNTY


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"县第{n}局")
    level = Level.COUNTY
    region = factory.SubFactory(RegionFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(chinese_name)
    role = Role.STAFF
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", "Pa55word!x")
    # A password of their own, set today: no forced change at login.
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    kind = TargetKind.ENTERPRISE
    credit_code = factory.Sequence(enterprise_code)
    name = factory.Sequence(lambda n: f"阳城县{chinese_name(n)}粮油贸易有限公司{n}")
    region = factory.SubFactory(RegionFactory)
    address = factory.Sequence(lambda n: f"山西省晋城市阳城县凤城镇东关村{n}号")
    industry = "粮食收购"
    department = factory.SubFactory(DepartmentFactory)


class InspectorFactory(DjangoModelFactory):
    class Meta:
        model = Inspector

    name = factory.Sequence(chinese_name)
    department = factory.SubFactory(DepartmentFactory)
    region = factory.SubFactory(RegionFactory)
    certificate_no = factory.Sequence(lambda n: f"14052219{n:06d}")
    certificate_valid_until = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))


class ChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    code = factory.Sequence(lambda n: f"FGJ-{n:03d}")


class ChecklistItemVersionFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItemVersion

    item = factory.SubFactory(ChecklistItemFactory)
    version = 1
    name = "粮食收购资格及粮食收购活动的检查"
    category = ItemCategory.KEY
    object_type = "粮食收购企业"
    inspecting_body = "县发展和改革局"
    content = "对粮食经营者从事粮食收购、储存、运输活动的监督检查"
    methods = factory.LazyFunction(lambda: ["on_site"])


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = "粮食收购企业"


class ExpertiseFactory(DjangoModelFactory):
    class Meta:
        model = Expertise
        django_get_or_create = ("name",)

    name = "食品"


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert

    name = factory.Sequence(lambda n: f"{chinese_name(n + 7)}")
    organisation = "山西省晋城市产品质量监督检验所"
    qualification = "高级工程师"
    qualification_valid_until = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))
    department = factory.SubFactory(DepartmentFactory)
    region = factory.SubFactory(RegionFactory)


class ConflictFactory(DjangoModelFactory):
    class Meta:
        model = Conflict

    inspector = factory.SubFactory(InspectorFactory)
    target = factory.SubFactory(TargetFactory)
    reason = "近亲属在该单位任职"


class LegalBasisFactory(DjangoModelFactory):
    class Meta:
        model = LegalBasis
        django_get_or_create = ("law", "article")

    law = "粮食流通管理条例"
    article = factory.Sequence(lambda n: f"第{n + 1}条")


class ItemClaimFactory(DjangoModelFactory):
    class Meta:
        model = ItemClaim

    item = factory.SubFactory(ChecklistItemFactory)
    department = factory.SubFactory(DepartmentFactory)
