"""Results are public as soon as they are entered; a failed publication is caught up and alarmed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from inspections.models import Result, Visit
from inspections.services.results import correction_decide, correction_request, result_submit, visit_complete
from publicity import services
from publicity.dashboard import figures
from publicity.models import IssueKind, PublicationIssue, PublishedResult
from registries.models import Notification, NotificationLevel, Role, User
from tests.factories import UserFactory
from tests.publicity.conftest import TODAY, County, entry_for

pytestmark = pytest.mark.django_db


def test_it_publishes_only_public_fields_of_an_entered_result(county: County) -> None:
    row = PublishedResult.objects.get(visit__target=county.grain[1], task=county.a1)
    target = county.grain[1]
    assert (row.target_name, row.target_code) == (target.name, target.credit_code)
    assert (row.plan_year, row.task_number, row.task_name) == (2026, 1, "粮食收购企业双随机抽查")
    assert row.authority == "阳城县市场监督管理局"
    assert row.completed_on == dt.date(2026, 5, 11)
    assert row.items == [
        {"item": "粮食收购资格检查", "categories": ["违反市场监管相关规定：未按规定公示应当公示的信息"]}
    ]
    assert row.problem_found
    public_text = str(
        {f.name: getattr(row, f.name) for f in PublishedResult._meta.get_fields() if hasattr(row, f.name)}
    )
    assert "年度报告中的行政许可信息" not in public_text  # the findings text stays internal
    assert "张军" not in public_text  # no inspector
    # The same visit's other task is published on its own row, without the problem.
    other = PublishedResult.objects.get(visit__target=county.grain[1], task=county.a2)
    assert other.items == [{"item": "粮食库存数量和质量检查", "categories": ["未发现问题"]}]
    assert not other.problem_found


def test_it_republishes_a_corrected_result_as_the_new_version(
    county: County, ivan: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    leo = UserFactory(username="leo", full_name="刘建国", role=Role.LEADER, department=county.amr)
    visit = county.visit_of(county.grain[3])
    result = Result.objects.get(visit=visit)
    proposed = entry_for(visit, problem_task=county.a2, completed_on=dt.date(2026, 5, 11))
    with django_capture_on_commit_callbacks(execute=True):
        correction = correction_request(result=result, user=ivan, reason="录入时漏选问题类别", proposed=proposed)
        correction_decide(correction=correction, user=leo, approve=True, note="同意")
    row = PublishedResult.objects.get(visit=visit, task=county.a2)
    assert (row.version, row.corrected, row.problem_found) == (2, True, True)
    assert PublishedResult.objects.filter(visit=visit).count() == 2


def test_it_keeps_the_result_when_publication_fails_and_the_daily_sweep_catches_up(
    county: County, ivan: User, olivia: User, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    olivia.email = "office@yangcheng.gov.cn"
    olivia.save(update_fields=["email"])
    visit = county.visit_of(county.grain[6])

    def broken(*, result: Result) -> list[PublishedResult]:
        raise RuntimeError("公示库连接失败")

    monkeypatch.setattr(services, "result_publish", broken)
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_complete(visit=visit, user=ivan, visited_on=TODAY)
        result = result_submit(visit=visit, user=ivan, data=entry_for(visit, completed_on=TODAY))
    assert Visit.objects.get(pk=visit.pk).is_entered  # the entry stands
    issue = PublicationIssue.objects.get(result=result)
    assert issue.kind == IssueKind.FAILED and "公示库连接失败" in issue.error
    f = figures(year=2026, today=TODAY)
    assert f.total.published == 14 and f.total.inspections_entered == 16
    assert f.total_missed["publicity"]
    assert [a.key for a in f.alarms][:1] == ["unpublished"]

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publications_sweep() == 1
        assert services.publications_sweep() == 0
    assert PublishedResult.objects.filter(visit=visit).count() == 2
    assert not PublicationIssue.objects.filter(resolved_at__isnull=True).exists()
    alarm = Notification.objects.get(user=olivia, kind="publication")
    assert alarm.level == NotificationLevel.ALARM
    assert county.grain[6].name in alarm.title
    assert len([m for m in mail.outbox if "未及时公示" in m.subject]) == 1
    f = figures(year=2026, today=TODAY)
    assert f.total.publicity_rate == 100
    assert [a.key for a in f.alarms] == ["publication_issues"]  # the year's record of the failure stays


def test_it_counts_only_the_current_version_in_the_find_rate(
    county: County, ivan: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    leo = UserFactory(username="leo", full_name="刘建国", role=Role.LEADER, department=county.amr)
    visit = county.visit_of(county.grain[1])  # tier A, problem found under a1
    result = Result.objects.get(visit=visit)
    with django_capture_on_commit_callbacks(execute=True):
        correction = correction_request(
            result=result,
            user=ivan,
            reason="复核后确认已公示，原结果录入错误",
            proposed=entry_for(visit, completed_on=dt.date(2026, 5, 11)),
        )
        correction_decide(correction=correction, user=leo, approve=True, note="同意")
    finds = {row.tier: (row.visits, row.problems) for row in figures(year=2026, today=TODAY).finds}
    assert finds["A"] == (2, 0)
    assert finds["-"] == (9, 1)  # fuel 0 under b1: the merged a2 rows never had findings of their own
    row = PublishedResult.objects.get(visit=visit, task=county.a1)
    assert (row.version, row.problem_found) == (2, False)
