"""Draw rounds: commitment first, one draw per round, frozen population, exclusions, verification."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from credit_risk.allocation import allocate
from credit_risk.selectors import tier_counts
from inspections import drawing
from inspections.models import DrawnTarget, DrawRound, RoundStatus
from inspections.population import media_path, read_file
from inspections.services.draws import draw_round_open, draw_round_redraw, draw_round_run, draw_round_start
from inspections.verification import verify_round
from plans.models import Task, TaskType
from plans.selectors import task_scope
from registries.models import AuditEvent, User
from tests.inspections.draw_fixtures import make_targets, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _drawn(task: Task, alice: User, entropy: str = "") -> DrawRound:
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice, entropy=entropy)
    # What the task enqueued on commit does (the test transaction never commits).
    return draw_round_run(round_id=draw_round.pk)


def test_it_records_only_the_commitment_when_a_round_opens(task: Task, alice: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)

    assert draw_round.status == RoundStatus.OPEN
    assert draw_round.commitment == drawing.commitment(draw_round.secret)
    assert draw_round.seed == ""
    assert not DrawnTarget.objects.exists()
    assert AuditEvent.objects.filter(action="inspections.draw_open", object_id=str(draw_round.pk)).exists()


def test_it_lets_only_the_initiating_department_open_a_round(task: Task, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        draw_round_open(task=task, user=bob)


def test_it_refuses_more_rounds_than_times_per_year(task: Task, alice: User) -> None:
    draw_round_open(task=task, user=alice)

    with pytest.raises(ValidationError, match="每年抽查 1 次"):
        draw_round_open(task=task, user=alice)


def test_it_draws_the_policy_counts_per_tier(task: Task, alice: User, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        draw_round = draw_round_open(task=task, user=alice)
        draw_round_start(draw_round=draw_round, user=alice, entropy="双色球 2026001 期 03 07 12 18 25 31 + 09")
    draw_round.refresh_from_db()

    scope = task_scope(task)
    assert scope is not None
    population = tier_counts(scope)
    expected = allocate(population, task.ratio_spec(), task.policy.as_spec())  # type: ignore[union-attr]
    assert draw_round.status == RoundStatus.DONE
    assert draw_round.counts == {t: n for t, n in expected.counts.items() if population[t]}
    for tier, wanted in draw_round.counts.items():
        assert DrawnTarget.objects.filter(round=draw_round, tier=tier).count() == wanted
    assert draw_round.population_size == 80


def test_it_is_verified_by_the_command_and_by_the_standalone_functions(task: Task, alice: User) -> None:
    draw_round = _drawn(task, alice, entropy="7 12 19")

    assert verify_round(draw_round).ok
    call_command("verify_draw", str(draw_round.pk))
    population = drawing.parse_population(read_file(draw_round, "population.txt.gz"))
    drawn = drawing.parse_population(read_file(draw_round, "drawn.txt"))
    public = drawing.verify(
        task=str(task.pk),
        round_no=draw_round.round_no,
        population=population,
        published_commitment=draw_round.commitment,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        tiers_digest=draw_round.tiers_digest,
        selected=drawn,
    )
    assert public.ok, public.problems
    # The public file lists keys only: no tier leaks into it.
    assert "\t" not in read_file(draw_round, "population.txt.gz")


def test_it_detects_a_changed_population_file(task: Task, alice: User) -> None:
    import gzip

    draw_round = _drawn(task, alice)
    path = media_path(draw_round.population_file)
    keys = gzip.decompress(path.read_bytes()).decode().split("\n")
    keys[0] = keys[0][:-1] + ("X" if keys[0][-1] != "X" else "Y")
    path.write_bytes(gzip.compress("\n".join(keys).encode()))

    with pytest.raises(CommandError):
        call_command("verify_draw", str(draw_round.pk))
    assert not verify_round(draw_round).ok


def test_it_detects_a_drawn_row_whose_tier_differs_from_the_tiers_file(task: Task, alice: User) -> None:
    import pgtrigger

    draw_round = _drawn(task, alice)
    drawn = DrawnTarget.objects.filter(round=draw_round, tier="A").first()
    assert drawn is not None
    # The trigger refuses any change to a drawn row; an owner of the tables can switch it off.
    with pgtrigger.ignore("inspections.DrawnTarget:drawn_is_final"):
        DrawnTarget.objects.filter(pk=drawn.pk).update(tier="B")

    assert verify_round(draw_round).problems == ["a drawn row's tier differs from the tiers file"]


def test_it_keeps_nothing_when_writing_the_files_fails(task: Task, alice: User, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import inspections.services.draws as draws

    def broken(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(draws, "write_files", broken)
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)

    with pytest.raises(OSError, match="disk full"):
        draw_round_run(round_id=draw_round.pk)

    draw_round.refresh_from_db()
    assert draw_round.status == RoundStatus.FAILED and draw_round.seed == ""
    assert not DrawnTarget.objects.filter(round=draw_round).exists()


def test_it_draws_once_when_the_run_is_repeated(task: Task, alice: User) -> None:
    draw_round = _drawn(task, alice)
    first = sorted(DrawnTarget.objects.filter(round=draw_round).values_list("key", flat=True))

    again = draw_round_run(round_id=draw_round.pk)
    draw_round_start(draw_round=draw_round, user=alice, entropy="changed")

    again.refresh_from_db()
    assert again.seed == draw_round.seed
    assert again.entropy == draw_round.entropy
    assert sorted(DrawnTarget.objects.filter(round=draw_round).values_list("key", flat=True)) == first
    assert AuditEvent.objects.filter(action="inspections.draw_run").count() == 1


def test_it_lets_the_database_refuse_a_second_round_with_the_same_number(task: Task, alice: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        DrawRound.objects.create(
            task=task, round_no=draw_round.round_no, commitment="0" * 64, secret="s", started_by=alice
        )


def test_it_keeps_the_first_round_on_record_when_redrawing(task: Task, alice: User) -> None:
    first = _drawn(task, alice)

    with pytest.raises(ValidationError, match="理由"):
        draw_round_redraw(draw_round=first, user=alice, reason=" ")
    second = draw_round_redraw(
        draw_round=first, user=alice, reason="抽取范围误含已注销企业，经领导小组办公室同意重新抽取"
    )
    draw_round_start(draw_round=second, user=alice)
    second = draw_round_run(round_id=second.pk)

    first.refresh_from_db()
    assert second.round_no == 2 and second.redraw_of == first
    assert first.status == RoundStatus.DONE and first.is_superseded
    assert DrawnTarget.objects.filter(round=first).count() == first.drawn_count
    assert verify_round(first).ok and verify_round(second).ok
    assert AuditEvent.objects.filter(action="inspections.draw_redraw").exists()


def test_it_excludes_targets_drawn_as_often_as_the_policy_allows_except_c_and_d(
    alice: User,
    city_policy,  # type: ignore[no-untyped-def]
) -> None:
    assert alice.department is not None
    make_targets(40, alice.department, tiers="ABCD")
    first_task = make_task(alice.department, number=1, policy=city_policy, percent="50")
    second_task = make_task(alice.department, number=2, policy=city_policy, percent="50")
    first = _drawn(first_task, alice)
    drawn_a = DrawnTarget.objects.filter(round=first, tier__in=["A", "B"]).count()

    second = _drawn(second_task, alice)

    assert second.exclusions == {"frequency": drawn_a}
    assert second.population_size == 40 - drawn_a
    again = set(DrawnTarget.objects.filter(round=second).values_list("target_id", flat=True))
    before = set(DrawnTarget.objects.filter(round=first, tier__in=["A", "B"]).values_list("target_id", flat=True))
    assert not again & before


def test_it_excludes_targets_a_joint_task_already_drew_for_the_same_items(alice: User, bob: User) -> None:
    from tests.factories import ChecklistItemFactory

    assert alice.department is not None
    make_targets(30, alice.department, tiers="-")
    item = ChecklistItemFactory()
    joint = make_task(alice.department, number=1, uses_tiers=False, task_type=TaskType.JOINT, percent="30")
    joint.items.add(item)
    internal = make_task(alice.department, number=2, uses_tiers=False, percent="30", start_month=6, end_month=11)
    internal.items.add(item)
    first = _drawn(joint, alice)

    second = _drawn(internal, alice)

    assert second.exclusions == {"covered": first.drawn_count}
    assert not set(DrawnTarget.objects.filter(round=second).values_list("target_id", flat=True)) & set(
        DrawnTarget.objects.filter(round=first).values_list("target_id", flat=True)
    )


def test_it_draws_without_tiers_as_one_public_stratum(alice: User) -> None:
    assert alice.department is not None
    make_targets(50, alice.department)
    untiered = make_task(alice.department, uses_tiers=False, percent="10")

    draw_round = _drawn(untiered, alice)

    assert draw_round.counts == {drawing.UNTIERED: 5}
    assert set(DrawnTarget.objects.filter(round=draw_round).values_list("tier", flat=True)) == {drawing.UNTIERED}
    assert verify_round(draw_round).ok


def test_it_fails_with_a_reason_when_the_task_has_no_scope(alice: User) -> None:
    assert alice.department is not None
    no_scope = make_task(alice.department)
    no_scope.scope_kinds = []
    no_scope.scope_region = None
    no_scope.save()

    draw_round = _drawn(no_scope, alice)

    assert draw_round.status == RoundStatus.FAILED
    assert "抽查对象范围" in draw_round.error


def test_it_refuses_to_alter_a_finished_draw_even_for_an_administrator(task: Task, alice: User) -> None:
    from django.db import DatabaseError, connection

    draw_round = _drawn(task, alice)
    drawn = DrawnTarget.objects.filter(round=draw_round).first()
    assert drawn is not None

    # What an administrator with a SQL console would try.
    for sql in (
        f"UPDATE inspections_drawntarget SET key = '91140522000000000X' WHERE id = {drawn.pk}",
        f"DELETE FROM inspections_visitcoverage WHERE drawn_id = {drawn.pk}; "
        f"DELETE FROM inspections_teammember WHERE drawn_id = {drawn.pk}; "
        f"DELETE FROM inspections_drawntarget WHERE id = {drawn.pk}",
        f"UPDATE inspections_drawround SET seed = repeat('0', 64) WHERE id = {draw_round.pk}",
        f"UPDATE inspections_drawround SET secret = 'x' WHERE id = {draw_round.pk}",
        f"UPDATE inspections_drawround SET entropy = '8' WHERE id = {draw_round.pk}",
        f"UPDATE inspections_drawround SET status = 'failed' WHERE id = {draw_round.pk}",
        f"DELETE FROM inspections_drawround WHERE id = {draw_round.pk}",
    ):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    # Matching data may still change: a rematch is not a redraw.
    assert DrawRound.objects.filter(pk=draw_round.pk).update(matching_problems=[]) == 1


def test_it_requeues_a_round_stuck_in_the_queue_and_leaves_a_fresh_one(
    task: Task,
    alice: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    import datetime as dt

    from django.utils import timezone

    from inspections.services.draws import draw_rounds_requeue_stuck
    from inspections.tasks import DRAW_TIME_LIMIT, requeue_stuck_draws

    stuck = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=stuck, user=alice)  # its message is never delivered: not run here
    fresh = draw_round_open(task=make_task(alice.department, number=2), user=alice)  # type: ignore[arg-type]
    draw_round_start(draw_round=fresh, user=alice)
    long_ago = timezone.now() - dt.timedelta(seconds=DRAW_TIME_LIMIT + 60)
    # The broker took both messages (on_commit does not run in the test's transaction).
    DrawRound.objects.filter(pk__in=[stuck.pk, fresh.pk]).update(enqueued_at=long_ago)
    DrawRound.objects.filter(pk=stuck.pk).update(queued_at=long_ago)

    assert draw_rounds_requeue_stuck(now=long_ago + dt.timedelta(seconds=30)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_draws.delay().get() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == RoundStatus.DONE and verify_round(stuck).ok
    assert fresh.status == RoundStatus.QUEUED
    assert AuditEvent.objects.filter(action="inspections.draw_requeue", object_id=str(stuck.pk)).exists()


def test_it_refuses_to_draw_for_a_plan_not_yet_published(alice: User) -> None:
    from plans.models import PlanStatus

    assert alice.department is not None
    task = make_task(alice.department, uses_tiers=False)
    task.plan.status = PlanStatus.DRAFT
    task.plan.save(update_fields=["status"])

    with pytest.raises(ValidationError, match="尚未公布"):
        draw_round_open(task=task, user=alice)
    assert not DrawRound.objects.filter(task=task).exists()
