"""Writes of the plans app: import, publish, adjust. Each state change does all its side effects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.departments import DepartmentResolver, place_of
from plans.errors import PlanError, PlanImportError
from plans.exporting import plan_to_dict
from plans.importing import ParsedPlan, ParsedTask, parse_file
from plans.models import Adjustment, AdjustmentStatus, Plan, PlanStatus, PlanVersion, Task
from plans.parsing import name_key
from registries.audit import audit_record
from registries.importing.department_names import Place, remember_kind
from registries.models import ChecklistItemVersion, Department, DepartmentAlias, Region, Tag, User


def plan_parse(
    *,
    path: Path,
    year: int,
    owner: Department,
    mapping: dict[str, int] | None = None,
    overrides: dict[str, str] | None = None,
) -> ParsedPlan:
    """Parse a plan table for preview; writes nothing. `overrides`: header -> field or IGNORE
    (by default what the owner mapped before)."""
    if overrides is None:
        overrides = plan_column_mappings(owner)
    return parse_file(path, year=year, resolve=DepartmentResolver(owner, mapping), overrides=overrides)


PLAN_MAPPING_KIND = "plans"  # ImportMapping.kind of a plan table's column mappings


def plan_column_mappings(owner: Department) -> dict[str, str]:
    """The columns the owner has mapped or ignored before (normalised header -> field or IGNORE)."""
    from registries.models.imports import ImportMapping, MappingScope

    return dict(
        ImportMapping.objects.filter(department=owner, kind=PLAN_MAPPING_KIND, scope=MappingScope.HEADER).values_list(
            "source", "target"
        )
    )


def plan_column_mappings_save(*, owner: Department, overrides: dict[str, str], user: User | None) -> None:
    """Remember the owner's column mappings so that the next table of the same shape maps itself."""
    from registries.services.imports import save_mappings

    save_mappings(department=owner, kind=PLAN_MAPPING_KIND, actor=user, headers=overrides)


def departments_resolve(
    *,
    owner: Department,
    mapping: dict[str, int],
    create: list[str],
    user: User | None,
    places: dict[str, tuple[str, int]] | None = None,
) -> dict[str, int]:
    """Remember each mapped name as an alias of its department for the owner's region; create the
    new ones at the level and region their name says (市… the city's, 县… the county's), or as
    corrected in `places` (name -> (level, region id))."""
    resolved: dict[str, int] = {}
    for name, pk in mapping.items():
        key = name_key(name)
        department = Department.objects.get(pk=pk)
        if key != name_key(department.name) and not DepartmentAlias.objects.filter(name=key).exists():
            # "统计局" means this county's bureau in this county's tables, not in every county's
            remember_kind(region=owner.region, name=key, department=department)
        resolved[name] = pk
    for name in create:
        place = place_of(name, owner)
        if places and name in places:
            level, region_id = places[name]
            place = Place(level, Region.objects.get(pk=region_id))
        department, _created = Department.objects.get_or_create(
            name=name_key(name), defaults={"level": place.level, "region": place.region}
        )
        resolved[name] = department.pk
    return resolved


def _link_items(task: Task, parsed: ParsedTask) -> None:
    if not parsed.items:
        return
    versions = ChecklistItemVersion.objects.filter(superseded_at__isnull=True, name__in=parsed.items)
    task.items.set({v.item_id for v in versions})


def _create_tasks(plan: Plan, parsed: ParsedPlan) -> None:
    tags = list(Tag.objects.values_list("id", "name"))
    for p in parsed.tasks:
        task = Task.objects.create(
            plan=plan,
            number=p.number,
            name=p.name,
            items_text=p.items_text,
            scope_text=p.scope_text,
            scope_region=plan.owner.region if p.scope_text.startswith(("全县", "全市")) else None,
            scope_warning=p.scope_warning,
            ratio_kind=p.ratio_kind,
            ratio_percent=p.ratio_percent,
            ratio_count=p.ratio_count,
            times_per_year=p.times_per_year,
            uses_tiers=p.uses_tiers,
            credit_rule_text=p.credit_rule_text,
            start_month=p.start_month,
            end_month=p.end_month,
            initiator_id=p.initiator_id or plan.owner_id,
            guide_text=p.guide_text,
            task_type=p.task_type,
            directed=p.directed,
            modes=p.modes,
            mode_remark=p.mode_remark,
            remark=p.remark,
            extra=p.extra,
        )
        task.cooperating.set(p.cooperating_ids)
        task.scope_tags.set([pk for pk, name in tags if name and name in p.scope_text])
        _link_items(task, p)


@transaction.atomic
def plan_import(
    *,
    path: Path,
    year: int,
    owner: Department,
    user: User | None,
    mapping: dict[str, int] | None = None,
    create: list[str] | None = None,
    create_departments: bool = False,
    title: str = "",
    overrides: dict[str, str] | None = None,
    places: dict[str, tuple[str, int]] | None = None,
) -> Plan:
    """Create a draft plan from a table. Unresolved names or bad rows: nothing is written.

    `mapping` (name -> department) is remembered as aliases, `create` names new departments;
    `create_departments` creates every name still unresolved (the command's flag).
    """
    resolved: dict[str, int] = {}
    if mapping or create:
        resolved = departments_resolve(
            owner=owner, mapping=mapping or {}, create=create or [], user=user, places=places
        )
    parsed = plan_parse(path=path, year=year, owner=owner, mapping=resolved, overrides=overrides)
    if parsed.all_errors:
        raise PlanImportError(parsed.all_errors)
    if parsed.unresolved:
        if not create_departments:
            raise PlanImportError([_("无法识别的部门：%(n)s") % {"n": "、".join(parsed.unresolved)}])
        resolved |= departments_resolve(owner=owner, mapping={}, create=parsed.unresolved, user=user)
        parsed = plan_parse(path=path, year=year, owner=owner, mapping=resolved, overrides=overrides)
    if Plan.objects.filter(owner=owner, year=year).exists():
        raise PlanImportError([_("%(o)s 已有 %(y)d 年度计划") % {"o": owner, "y": year}])
    plan = Plan.objects.create(
        owner=owner,
        year=year,
        title=title or parsed.title or f"{owner.name}{year}年度双随机抽查工作计划",
        source_name=path.name,
        created_by=user,
    )
    _create_tasks(plan, parsed)
    return plan


@transaction.atomic
def task_scope_update(*, task: Task, data: dict[str, Any]) -> Task:
    """Change a task's internal settings (scope query, tier policy, items); the published text is untouched."""
    task.scope_kinds = list(data.get("scope_kinds") or [])
    task.scope_region = data.get("scope_region")
    task.scope_warning = data.get("scope_warning") or ""
    task.uses_tiers = bool(data.get("uses_tiers"))
    task.policy = data.get("policy")
    task.save(update_fields=["scope_kinds", "scope_region", "scope_warning", "uses_tiers", "policy"])
    task.scope_tags.set(data.get("scope_tags") or [])
    task.items.set(data.get("items") or [])
    return task


def _snapshot(plan: Plan, *, reason: str, user: User | None) -> PlanVersion:
    plan.version += 1
    plan.save(update_fields=["version"])
    return PlanVersion.objects.create(
        plan=plan, number=plan.version, snapshot=plan_to_dict(plan), reason=reason, created_by=user
    )


@transaction.atomic
def plan_publish(*, plan: Plan, user: User, request: HttpRequest | None = None) -> Plan:
    """Publish a draft: it appears on the public site; version 1 is frozen."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)  # two clicks publish once
    if plan.status != PlanStatus.DRAFT:
        raise PlanError(_("该计划已公布"))
    if not plan.tasks.exists():
        raise PlanError(_("计划中没有抽查任务，不能公布"))
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at"])
    _snapshot(plan, reason=_("公布"), user=user)
    audit_record(actor=user, action="plan.publish", obj=plan, request=request, detail={"version": plan.version})
    return plan


@transaction.atomic
def adjustment_submit(
    *,
    plan: Plan,
    user: User,
    reason: str,
    scan: UploadedFile | File,
    revised_table: UploadedFile | File,
    request: HttpRequest | None = None,
) -> Adjustment:
    """A written request to adjust a published plan; the revised table must parse with every department known."""
    if plan.status == PlanStatus.DRAFT:
        raise PlanError(_("草稿计划可直接修改，无需调整备案"))
    if not reason.strip():
        raise PlanError(_("必须填写调整理由"))
    if plan.adjustments.filter(status=AdjustmentStatus.SUBMITTED).exists():
        raise PlanError(_("该计划已有待备案的调整"))
    adjustment = Adjustment(
        plan=plan, reason=reason.strip(), submitted_by=user, revised_name=Path(revised_table.name or "").name
    )
    adjustment.scan.save(Path(scan.name or "scan").name, scan, save=False)
    adjustment.revised_table.save(adjustment.revised_name or "plan.xlsx", revised_table, save=False)
    parsed = plan_parse(path=Path(adjustment.revised_table.path), year=plan.year, owner=plan.owner)
    problems = parsed.all_errors
    if parsed.unresolved:
        problems.append(_("无法识别的部门：%(n)s") % {"n": "、".join(parsed.unresolved)})
    if problems:
        adjustment.scan.delete(save=False)
        adjustment.revised_table.delete(save=False)
        raise PlanImportError(problems)
    adjustment.save()
    audit_record(
        actor=user, action="plan.adjustment_submit", obj=plan, request=request, detail={"adjustment": adjustment.pk}
    )
    return adjustment


@transaction.atomic
def adjustment_file(
    *, adjustment: Adjustment, user: User, note: str = "", request: HttpRequest | None = None
) -> Adjustment:
    """The leading-group office files (备案) the request: the tasks are replaced and a new version is frozen."""
    adjustment = Adjustment.objects.select_for_update().select_related("plan").get(pk=adjustment.pk)
    if adjustment.status != AdjustmentStatus.SUBMITTED:
        raise PlanError(_("该调整已处理"))
    plan = adjustment.plan
    parsed = plan_parse(path=Path(adjustment.revised_table.path), year=plan.year, owner=plan.owner)
    if parsed.all_errors or parsed.unresolved:
        raise PlanImportError(parsed.all_errors or [_("调整后的计划表中有无法识别的部门")])
    plan.tasks.all().delete()
    _create_tasks(plan, parsed)
    plan.status = PlanStatus.ADJUSTED
    plan.save(update_fields=["status"])
    version = _snapshot(plan, reason=adjustment.reason, user=user)
    adjustment.status = AdjustmentStatus.FILED
    adjustment.decided_by = user
    adjustment.decided_at = timezone.now()
    adjustment.decision_note = note
    adjustment.version = version
    adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    audit_record(
        actor=user, action="plan.adjustment_file", obj=plan, request=request, detail={"version": version.number}
    )
    return adjustment


@transaction.atomic
def adjustment_return(
    *, adjustment: Adjustment, user: User, note: str, request: HttpRequest | None = None
) -> Adjustment:
    if adjustment.status != AdjustmentStatus.SUBMITTED:
        raise PlanError(_("该调整已处理"))
    if not note.strip():
        raise PlanError(_("退回必须填写意见"))
    adjustment.status = AdjustmentStatus.RETURNED
    adjustment.decided_by = user
    adjustment.decided_at = timezone.now()
    adjustment.decision_note = note.strip()
    adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=user,
        action="plan.adjustment_return",
        obj=adjustment.plan,
        request=request,
        detail={"adjustment": adjustment.pk},
    )
    return adjustment
