"""Inspector registry, experts and declared conflicts (回避)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from registries.models import Conflict, InspectorStatus
from tests.factories import ConflictFactory, ExpertFactory, ExpertiseFactory, InspectorFactory, TargetFactory

pytestmark = pytest.mark.django_db

LIST = reverse("registries:inspector_list")


def test_it_marks_expired_certificates_in_red(client, alice, amr):
    today = dt.date.today()
    InspectorFactory(name="王伟", department=amr, certificate_valid_until=today - dt.timedelta(days=1))
    InspectorFactory(name="李娜", department=amr, certificate_valid_until=today + dt.timedelta(days=200))
    client.force_login(alice)
    response = client.get(LIST)
    rows = {i.name: i for i in response.context["page"].object_list}
    assert rows["王伟"].is_expired
    assert not rows["李娜"].is_expired
    body = response.content.decode()
    assert body.count('class="expired"') == 1
    assert body.count("已过期") == 2  # the filter option and the one badge


def test_it_filters_matchable_inspectors(client, alice, amr):
    today = dt.date.today()
    ok = InspectorFactory(department=amr)
    InspectorFactory(department=amr, certificate_valid_until=today - dt.timedelta(days=1))
    InspectorFactory(department=amr, status=InspectorStatus.RETIRED)
    client.force_login(alice)
    assert client.get(LIST, {"validity": "matchable"}).context["page"].object_list == [ok]


def test_it_filters_by_expertise_and_finds_by_certificate_number(client, alice, amr):
    food = ExpertiseFactory(name="食品")
    cook = InspectorFactory(department=amr)
    cook.expertise.add(food)
    other = InspectorFactory(department=amr)
    client.force_login(alice)
    assert client.get(LIST, {"expertise": food.pk}).context["page"].object_list == [cook]
    assert client.get(LIST, {"q": other.certificate_no}).context["page"].object_list == [other]


def test_it_lists_only_own_department_inspectors(client, bob, amr, drc):
    InspectorFactory(name="王伟", department=amr)
    InspectorFactory(name="赵强", department=drc)
    client.force_login(bob)
    assert [i.name for i in client.get(LIST).context["page"].object_list] == ["赵强"]


def test_it_shows_an_inspectors_conflicts(client, alice, amr):
    conflict = ConflictFactory(inspector=InspectorFactory(department=amr), reason="配偶在该企业任财务负责人")
    client.force_login(alice)
    response = client.get(reverse("registries:inspector_detail", args=[conflict.inspector_id]))
    body = response.content.decode()
    assert "配偶在该企业任财务负责人" in body
    assert conflict.target.name in body


def test_it_lets_staff_declare_a_conflict_by_credit_code(client, alice, amr, drc):
    inspector = InspectorFactory(department=amr)
    school = TargetFactory(department=drc, name="阳城县第一中学")  # kept by another department
    client.force_login(alice)
    url = reverse("registries:conflict_create", args=[inspector.pk])
    response = client.post(url, {"target_key": school.credit_code.lower(), "reason": "子女在该校就读"})
    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.inspector, conflict.target, conflict.reason) == (inspector, school, "子女在该校就读")


def test_it_explains_an_unknown_code_and_a_duplicate(client, alice, amr):
    inspector = InspectorFactory(department=amr)
    target = TargetFactory(department=amr)
    ConflictFactory(inspector=inspector, target=target)
    client.force_login(alice)
    url = reverse("registries:conflict_create", args=[inspector.pk])
    unknown = client.post(url, {"target_key": "91140522000000000X", "reason": "亲属"}).content.decode()
    assert "未找到统一社会信用代码或对象编号为 91140522000000000X 的检查对象" in unknown
    duplicate = client.post(url, {"target_key": target.credit_code, "reason": "亲属"}).content.decode()
    assert "已申报过" in duplicate
    assert Conflict.objects.count() == 1


def test_it_forbids_the_office_and_leaders_to_declare(client, olivia, amr):
    inspector = InspectorFactory(department=amr)
    target = TargetFactory(department=amr)
    client.force_login(olivia)
    url = reverse("registries:conflict_create", args=[inspector.pk])
    assert client.get(reverse("registries:inspector_detail", args=[inspector.pk])).status_code == 200
    assert client.post(url, {"target_key": target.credit_code, "reason": "亲属"}).status_code == 403
    assert not Conflict.objects.exists()


def test_it_lets_staff_withdraw_a_conflict(client, alice, amr):
    conflict = ConflictFactory(inspector=InspectorFactory(department=amr))
    client.force_login(alice)
    response = client.post(reverse("registries:conflict_delete", args=[conflict.pk]))
    assert response.status_code == 302
    assert not Conflict.objects.exists()


def test_it_lists_conflicts_of_the_own_department(client, alice, amr, drc):
    mine = ConflictFactory(inspector=InspectorFactory(department=amr), reason="亲属任职")
    ConflictFactory(inspector=InspectorFactory(department=drc), reason="曾在该企业工作")
    client.force_login(alice)
    response = client.get(reverse("registries:conflict_list"))
    assert response.context["page"].object_list == [mine]
    assert "曾在该企业工作" not in response.content.decode()


def test_it_lists_experts_with_their_qualification_validity(client, alice, amr, drc):
    today = dt.date.today()
    lab = ExpertFactory(name="山西省晋城市产品质量监督检验所", department=amr, qualification_valid_until=today)
    ExpertFactory(name="阳城县正信会计师事务所", department=drc)
    client.force_login(alice)
    response = client.get(reverse("registries:expert_list"))
    assert response.context["page"].object_list == [lab]
    assert response.context["page"].object_list[0].expires_soon
    detail = client.get(reverse("registries:expert_detail", args=[lab.pk]))
    assert detail.status_code == 200
    assert "高级工程师" in detail.content.decode()


def test_it_records_declarations_in_the_audit_trail(client, alice, amr):
    from registries.models.audit import AuditEvent

    inspector = InspectorFactory(department=amr)
    target = TargetFactory(department=amr)
    client.force_login(alice)
    client.post(
        reverse("registries:conflict_create", args=[inspector.pk]), {"target_key": target.credit_code, "reason": "亲属"}
    )
    conflict = Conflict.objects.get()
    client.post(reverse("registries:conflict_delete", args=[conflict.pk]))
    actions = list(
        AuditEvent.objects.filter(action__startswith="registry.").order_by("seq").values_list("action", "object_id")
    )
    assert actions == [
        ("registry.conflict_declare", str(conflict.pk)),
        ("registry.conflict_withdraw", str(conflict.pk)),
    ]
