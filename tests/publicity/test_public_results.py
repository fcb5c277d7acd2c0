"""The public searches results by credit code or name, without login, and sees nothing internal."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from publicity.models import PublishedResult
from tests.factories import LegalBasisFactory
from tests.publicity.conftest import County

pytestmark = pytest.mark.django_db


def test_it_finds_a_published_result_by_credit_code(client: Client, county: County) -> None:
    target = county.fuel[0]
    response = client.get(reverse("publicity:result_list"), {"q": target.credit_code})
    body = response.content.decode()
    assert response.status_code == 200
    assert target.name in body
    assert "成品油零售企业双随机抽查" in body
    assert "违反市场监管相关规定：未按规定公示应当公示的信息" in body
    assert county.fuel[1].name not in body


def test_it_finds_results_by_part_of_the_name(client: Client, county: County) -> None:
    body = client.get(reverse("publicity:result_list"), {"q": "加油站"}).content.decode()
    assert all(t.name in body for t in county.fuel)
    assert county.grain[0].name not in body


def test_it_shows_the_follow_up_outcome_once_closed_and_nothing_of_an_open_one(client: Client, county: County) -> None:
    closed = PublishedResult.objects.get(visit__target=county.grain[2], task=county.a1)
    body = client.get(reverse("publicity:result_detail", args=[closed.pk])).content.decode()
    assert "责令限期整改、已整改到位，已办结" in body
    assert "已补报年度报告信息" not in body  # the closing note stays internal
    still_open = PublishedResult.objects.get(visit__target=county.grain[1], task=county.a1)
    body = client.get(reverse("publicity:result_detail", args=[still_open.pk])).content.decode()
    assert "处理中" in body and "责令五日内改正" not in body


def test_it_leaks_no_tier_no_inspector_no_findings_and_no_visit_not_yet_entered(client: Client, county: County) -> None:
    pages = [
        client.get(reverse("publicity:result_list")).content.decode(),
        client.get(reverse("publicity:result_list"), {"q": county.grain[1].credit_code}).content.decode(),
        *(
            client.get(reverse("publicity:result_detail", args=[pk])).content.decode()
            for pk in PublishedResult.objects.values_list("pk", flat=True)
        ),
    ]
    for body in pages:
        for secret in ("低风险", "一般风险", "较高风险", "高风险", "张军", "陈斌", "年度报告中的行政许可信息"):
            assert secret not in body
        # drawn but not yet visited, and visited but not yet entered: not public
        for target in (county.grain[5], county.grain[6], county.grain[7]):
            assert target.name not in body


def test_it_answers_a_search_with_few_queries(client: Client, county: County, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(4):
        assert client.get(reverse("publicity:result_list"), {"q": "阳城县"}).status_code == 200


def test_it_publishes_the_checklist_with_current_versions_and_legal_bases(client: Client, county: County) -> None:
    version = county.a1.items.get().current_version
    assert version is not None
    version.legal_bases.add(LegalBasisFactory(law="粮食流通管理条例", article="第九条"))
    body = client.get(reverse("publicity:checklist")).content.decode()
    assert "粮食收购资格检查" in body and "SJ-LS-001" in body
    assert "《粮食流通管理条例》第九条" in body
    assert "阳城县市场监督管理局" in body
    assert "粮食收购资格检查" in client.get(reverse("publicity:checklist"), {"q": "收购"}).content.decode()
    assert "粮食收购资格检查" not in client.get(reverse("publicity:checklist"), {"q": "成品油"}).content.decode()


def test_it_keeps_the_results_of_a_plan_that_is_a_draft_again_off_the_public_site(
    client: Client, county: County
) -> None:
    from plans.models import PlanStatus

    target = county.fuel[0]
    row = PublishedResult.objects.filter(visit__target=target).first()
    assert row is not None
    row.task.plan.status = PlanStatus.DRAFT
    row.task.plan.save(update_fields=["status"])

    body = client.get(reverse("publicity:result_list"), {"q": target.credit_code}).content.decode()
    assert target.name not in body
    assert client.get(reverse("publicity:result_detail", args=[row.pk])).status_code == 404
