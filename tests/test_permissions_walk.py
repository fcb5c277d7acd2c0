"""Walk every URL pattern with GET, POST, PUT and DELETE, anonymously and as every role of another department.

Every pattern found by `get_resolver()` becomes one test case, so pages added later by any app
are checked without anyone remembering to. Path kwargs are filled with objects of department A
(阳城县市场监督管理局, alice's); the requests are made by nobody, then by the staff (bob), the
principal leader and an inspector of 县发改局:

- anonymous, every method: a redirect to a login page (405 allowed except for a POST), and no
  row of any table written;
- another department, GET: 403, 404 or 405, a redirect, or a page that shows none of department
  A's data;
- another department, POST, PUT, DELETE: no row of any table written (PostgreSQL's own
  per-transaction counters, so even a write of the same values counts), none of A's data shown;
  PUT and DELETE refused (403, 404, 405 or a redirect to login) everywhere but the user's own
  pages in ANSWERS_ANY_METHOD; a POST refused or answered with the page (200) or a redirect
  that wrote nothing. OWN_WRITES lists the few POSTs that write the user's own department's
  data, where department A's rows are compared instead.

A pattern with a path kwarg this file does not know fails with a message naming the URL: add an
entry to KWARGS below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import connection, models
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from registries.models import (
    ChecklistItem,
    Conflict,
    Department,
    Expert,
    Inspector,
    ItemClaim,
    LegalBasis,
    Role,
    Target,
)
from tests.factories import (
    ChecklistItemVersionFactory,
    ConflictFactory,
    ExpertFactory,
    InspectorFactory,
    ItemClaimFactory,
    LegalBasisFactory,
    TargetFactory,
    UserFactory,
)

# Pages anyone may open without logging in.
PUBLIC_URL_NAMES = {"login", "logout", "set_language", "admin:login", "admin:logout", "javascript-catalog"}
PUBLIC_PATH_PREFIXES = ("/public/",)


@dataclass
class World:
    """Department A's records, each carrying a string that must never reach department B."""

    department: Department
    staff: Any
    target: Target
    inspector: Inspector
    expert: Expert
    conflict: Conflict
    item: ChecklistItem
    basis: LegalBasis
    claim: ItemClaim

    @property
    def secrets(self) -> list[str]:
        return [
            self.target.name,
            self.target.credit_code or "",
            self.inspector.name,
            self.inspector.certificate_no,
            self.expert.name,
            self.conflict.reason,
        ]


def _import_job(w: World) -> dict[str, Any]:
    from registries.models import ImportJob, ImportKind

    job = ImportJob.objects.create(
        kind=ImportKind.TARGETS,
        department=w.department,
        created_by=w.staff,
        file="imports/2026/01/名录.xlsx",
        original_name="阳城县市场主体名录.xlsx",
    )
    return {"pk": job.pk}


def _plan(w: World) -> Any:
    from plans.models import Plan

    plan, _ = Plan.objects.get_or_create(owner=w.department, year=2026, defaults={"title": "2026年度随机抽查计划"})
    return plan


def _plan_version(w: World) -> dict[str, Any]:
    from plans.models import PlanVersion

    version = PlanVersion.objects.create(plan=_plan(w), number=1, snapshot={"tasks": []})
    return {"pk": version.plan_id, "number": version.number}


def _task(w: World) -> dict[str, Any]:
    from plans.models import RatioKind, Task

    task = Task.objects.create(plan=_plan(w), number=1, name="粮食收购企业检查", ratio_kind=RatioKind.values[0])
    return {"pk": task.pk}


def _adjustment(w: World) -> Any:
    from plans.models import Adjustment

    return Adjustment.objects.create(
        plan=_plan(w),
        reason="增加一项联合任务",
        scan="plan_adjustments/2026/函.pdf",
        revised_table="plan_adjustments/2026/表.xlsx",
        submitted_by=w.staff,
    )


def _duplicate(w: World) -> dict[str, Any]:
    from registries.models import DuplicateFlag, DuplicateReason

    twin = TargetFactory(department=w.department, name=w.target.name + "（分店）")
    first, second = sorted([w.target, twin], key=lambda t: t.pk)
    flag = DuplicateFlag.objects.create(first=first, second=second, reason=DuplicateReason.SAME_NAME_ADDRESS)
    return {"pk": flag.pk}


def _draw_round(w: World) -> Any:
    """A finished draw of department A that drew its target, with a visit (no files needed)."""
    import datetime as dt

    from django.utils import timezone

    from inspections.models import DrawnTarget, DrawRound, RoundStatus, Visit, VisitCoverage
    from plans.models import RatioKind, Task

    task = Task.objects.create(
        plan=_plan(w), number=9, name="粮食收购企业双随机抽查", ratio_kind=RatioKind.values[0], initiator=w.department
    )
    draw_round = DrawRound.objects.create(
        task=task,
        round_no=1,
        status=RoundStatus.DONE,
        commitment="0" * 64,
        secret="1" * 64,
        seed="2" * 64,
        counts={"A": 1},
        started_by=w.staff,
        finished_at=timezone.now(),
    )
    drawn = DrawnTarget.objects.create(
        round=draw_round, target=w.target, key=w.target.natural_key_value, tier="A", ticket="3" * 64, rank=1
    )
    visit = Visit.objects.create(target=w.target, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 10, 31))
    VisitCoverage.objects.create(visit=visit, drawn=drawn)
    return draw_round


def _results(w: World) -> dict[str, Any]:
    """A submitted result of department A's visit, with evidence, a pending correction and a ledger entry."""
    import datetime as dt

    from inspections.models import (
        Correction,
        Evidence,
        FollowUp,
        ItemResult,
        Result,
        ResultCategory,
    )

    draw_round = _draw_round(w)
    visit = draw_round.drawn.get().coverage.visit
    result = Result.objects.create(
        visit=visit,
        completed_on=dt.date(2026, 5, 12),
        findings="未按规定公示年度报告",
        problem_found=True,
        deadline=dt.date(2026, 6, 9),
        entered_by=w.staff,
    )
    item_result = ItemResult.objects.create(result=result, task=draw_round.task, problem_found=True)
    item_result.categories.add(ResultCategory.objects.get(scheme="2024", code="0201"))
    evidence = Evidence.objects.create(
        visit=visit,
        kind="photo",
        content_type="image/jpeg",
        original_name="现场.jpg",
        path=f"evidence/{visit.pk}/x.jpg",
        size=3,
        sha256="0" * 64,
        uploaded_by=w.staff,
    )
    correction = Correction.objects.create(
        result=result, department=w.department, reason="漏记问题", proposed={}, requested_by=w.staff
    )
    follow_up = FollowUp.objects.create(
        item_result=item_result, visit=visit, target=w.target, task=draw_round.task, department=w.department
    )
    return {
        "visit": visit.pk,
        "task": draw_round.task_id,
        "evidence": evidence.pk,
        "correction": correction.pk,
        "follow_up": follow_up.pk,
    }


def _notification(w: World) -> int:
    """A notification of alice's about department A's target (publicity and dashboard)."""
    from registries.models import Notification

    note, _ = Notification.objects.get_or_create(
        user=w.staff, key="walk", defaults={"kind": "walk", "title": w.target.name, "body": w.target.credit_code or ""}
    )
    return note.pk


# URL name (or route, for unnamed patterns) -> the path kwargs pointing at department A's records.
KWARGS: dict[str, Callable[[World], dict[str, Any]]] = {
    "registries:target_detail": lambda w: {"pk": w.target.pk},
    "registries:inspector_detail": lambda w: {"pk": w.inspector.pk},
    "registries:conflict_create": lambda w: {"pk": w.inspector.pk},
    "registries:conflict_detail": lambda w: {"pk": w.conflict.pk},
    "registries:conflict_delete": lambda w: {"pk": w.conflict.pk},
    "registries:expert_detail": lambda w: {"pk": w.expert.pk},
    "registries:item_detail": lambda w: {"pk": w.item.pk},
    "registries:item_claim": lambda w: {"pk": w.item.pk},
    "registries:item_unclaim": lambda w: {"pk": w.item.pk},
    "registries:item_edit": lambda w: {"pk": w.item.pk},
    "registries:item_version_detail": lambda w: {"pk": w.item.pk, "version": 1},
    "registries:legal_basis_detail": lambda w: {"pk": w.basis.pk},
    # Imports and exports (helper A).
    "registries:import_detail": _import_job,
    "registries:import_progress": _import_job,
    "registries:import_commit": _import_job,
    "registries:export": lambda w: {"kind": "targets"},
    "registries:duplicate_merge": _duplicate,
    "registries:duplicate_dismiss": _duplicate,
    # Credit risk and plans (helper E).
    "credit_risk:policy_edit": lambda w: {"pk": 1},
    "credit_risk:target_tier": lambda w: {"pk": w.target.pk},
    "credit_risk:observation_set": lambda w: {"pk": w.target.pk},
    "plans:import_preview": lambda w: {"token": "no-such-upload"},
    "plans:detail": lambda w: {"pk": _plan(w).pk},
    "plans:publish": lambda w: {"pk": _plan(w).pk},
    "plans:export": lambda w: {"pk": _plan(w).pk, "fmt": "json"},
    "plans:version": _plan_version,
    "plans:adjustment_create": lambda w: {"pk": _plan(w).pk},
    "plans:task_allocation": _task,
    "plans:task_edit": _task,
    "plans:adjustment_detail": lambda w: {"pk": _adjustment(w).pk},
    "plans:adjustment_file": lambda w: {"pk": _adjustment(w).pk, "which": "scan"},
    # Draws, matching and visits (helper G).
    "inspections:task_draws": lambda w: {"task_id": _draw_round(w).task_id},
    "inspections:round_open": lambda w: {"task_id": _draw_round(w).task_id},
    "inspections:round_detail": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_status": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_start": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_witness": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_rematch": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_list_xlsx": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_list_print": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_tasks_xlsx": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_tasks_print": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_redraw": lambda w: {"pk": _draw_round(w).pk},
    "inspections:round_tiers_file": lambda w: {"pk": _draw_round(w).pk},
    "inspections:visit_done": lambda w: {"pk": _draw_round(w).drawn.get().coverage.visit_id},
    # Results, corrections and follow-up.
    "inspections:visit_detail": lambda w: {"pk": _results(w)["visit"]},
    "inspections:visit_record": lambda w: {"pk": _results(w)["visit"]},
    "inspections:visit_draft": lambda w: {"pk": _results(w)["visit"]},
    "inspections:visit_submit": lambda w: {"pk": _results(w)["visit"]},
    "inspections:evidence_upload": lambda w: {"pk": _results(w)["visit"]},
    "inspections:correction_create": lambda w: {"pk": _results(w)["visit"]},
    "inspections:evidence_file": lambda w: {"pk": _results(w)["evidence"]},
    "inspections:evidence_delete": lambda w: {"pk": _results(w)["evidence"]},
    "inspections:correction_detail": lambda w: {"pk": _results(w)["correction"]},
    "inspections:follow_up_detail": lambda w: {"pk": _results(w)["follow_up"]},
    "inspections:task_results": lambda w: {"task_id": _results(w)["task"]},
    "inspections:task_summary_export": lambda w: {"task_id": _results(w)["task"], "department_id": w.department.pk},
    # Publicity and dashboard.
    "dashboard:rows": lambda w: {"key": "visits_done"},
    "dashboard:export": lambda w: {"which": "figures"},
    "notifications:open": lambda w: {"pk": _notification(w)},
    # Accounts (the security administrator's): alice's own account.
    "account_edit": lambda w: {"pk": w.staff.pk},
    "account_password_reset": lambda w: {"pk": w.staff.pk},
    "account_otp_reset": lambda w: {"pk": w.staff.pk},
}

# The Django admin sends anyone who is not `is_staff` to its own login page, whatever the object.
ADMIN_KWARGS: dict[str, Callable[[World], Any]] = {
    "object_id": lambda w: w.target.pk,
    "pk": lambda w: 1,
    "content_type_id": lambda w: ContentType.objects.get_for_model(Target).pk,
    "app_label": lambda w: "auth",
    "url": lambda w: "no-such-page/",
}

# Where the answer to bob is known exactly: the object is not his to see (404) or not his to change (403).
BOB_EXPECTS: dict[tuple[str, str], int] = {
    ("GET", "registries:target_detail"): 404,
    ("GET", "registries:inspector_detail"): 404,
    ("GET", "registries:conflict_create"): 404,
    ("POST", "registries:conflict_create"): 404,
    ("GET", "registries:conflict_detail"): 404,
    ("POST", "registries:conflict_delete"): 404,
    ("GET", "registries:expert_detail"): 404,
    ("GET", "registries:item_edit"): 403,
    ("POST", "credit_risk:observation_set"): 404,
    ("POST", "registries:item_edit"): 403,
    ("GET", "inspections:visit_detail"): 404,
    ("GET", "inspections:visit_record"): 404,
    ("GET", "inspections:evidence_file"): 404,
    ("GET", "inspections:correction_detail"): 404,
    ("GET", "inspections:follow_up_detail"): 404,
    ("POST", "inspections:follow_up_detail"): 404,
    ("GET", "inspections:task_results"): 404,
    ("GET", "inspections:task_summary_export"): 404,
    # Publicity and dashboard.
    ("GET", "notifications:open"): 404,
    ("POST", "notifications:open"): 404,
}


@dataclass(frozen=True)
class Route:
    name: str | None
    parts: tuple[Any, ...]  # the pattern objects from the root to the endpoint

    @property
    def key(self) -> str:
        return self.name or self.route

    @property
    def route(self) -> str:
        return "".join(str(p.pattern) for p in self.parts)

    def kwarg_names(self) -> list[str]:
        names: list[str] = []
        for part in self.parts:
            names += list(part.pattern.regex.groupindex)
        return names

    def path(self, kwargs: dict[str, Any]) -> str:
        text = ""
        for part in self.parts:
            piece = str(part.pattern)
            piece = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), piece)
            piece = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), piece)
            text += piece.removeprefix("^").removesuffix("$")
        return "/" + text


def _walk(patterns: list[Any], parts: tuple[Any, ...] = (), namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, (*parts, pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(name=name, parts=(*parts, pattern))


ROUTES = list(_walk(get_resolver().url_patterns))


def _is_public(route: Route) -> bool:
    if route.name in PUBLIC_URL_NAMES:
        return True
    return any(route.route.startswith(p.strip("/")) for p in PUBLIC_PATH_PREFIXES)


def _kwargs_for(route: Route, world: World) -> dict[str, Any]:
    names = route.kwarg_names()
    if not names:
        return {}
    if route.key in KWARGS:
        return KWARGS[route.key](world)
    if route.key.startswith("admin:") or route.route.startswith("admin/"):
        missing = [n for n in names if n not in ADMIN_KWARGS]
        if not missing:
            return {n: ADMIN_KWARGS[n](world) for n in names}
    pytest.fail(
        f"URL {route.key!r} ({route.route}) takes {names}: add an entry to KWARGS in "
        f"tests/test_permissions_walk.py pointing at department A's objects (see World)."
    )


def _login_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and urlparse(response["Location"]).path in _login_paths()


def _anonymous_is_turned_away(method: str, response: Any) -> bool:
    """A redirect to login; a POST-only view may refuse a GET before asking who is there (405)."""
    return _is_login_redirect(response) or (method == "get" and response.status_code == 405)


# Ways from a model to the department that owns its rows, tried in order.
OWNER_PATHS = ("department", "owner", "inspector__department", "target__department", "plan__owner")


def _fingerprint(department: Department) -> dict[str, list[dict[str, Any]]]:
    """Every row of every model that belongs to the department, directly or one step away."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        if model._meta.proxy or model._meta.app_label == "pghistory":
            continue
        for path in OWNER_PATHS:
            try:
                first = model._meta.get_field(path.split("__")[0])
            except FieldDoesNotExist:
                continue
            if not isinstance(first, models.ForeignKey):
                continue
            try:
                qs = model._default_manager.filter(**{path: department})
                rows[f"{model._meta.label}.{path}"] = sorted(qs.values(), key=repr)
            except (FieldError, ValueError, TypeError):
                continue  # the path does not lead to a department
            break
    return rows


def _text_of(response: Any) -> str:
    """What a person would read in the response: the page, or the cells of a downloaded workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return content.decode(errors="replace")


@pytest.fixture
def world(amr: Department, alice: Any) -> World:
    target = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司")
    inspector = InspectorFactory(department=amr, name="欧阳明远", certificate_no="14052219990001")
    expert = ExpertFactory(department=amr, name="晋城市正衡检测有限公司")
    conflict = ConflictFactory(inspector=inspector, target=target, reason="配偶在该企业任财务负责人")
    version = ChecklistItemVersionFactory(name="粮食收购资格及粮食收购活动的检查")
    basis = LegalBasisFactory(law="粮食流通管理条例", article="第九条")
    version.legal_bases.add(basis)
    claim = ItemClaimFactory(item=version.item, department=amr)
    return World(amr, alice, target, inspector, expert, conflict, version.item, basis, claim)


@dataclass
class Stranger:
    """A user of another department (县发改局): nothing of department A is theirs."""

    role: str
    user: Any


@pytest.fixture
def strangers(drc: Department, bob: Any) -> list[Stranger]:
    leader = UserFactory(username="linna", full_name="林娜", role=Role.LEADER, department=drc)
    officer = UserFactory(username="zhaolei", full_name="赵磊", role=Role.INSPECTOR, department=drc)
    InspectorFactory(department=drc, name="赵磊", user=officer)
    return [Stranger(Role.STAFF, bob), Stranger(Role.LEADER, leader), Stranger(Role.INSPECTOR, officer)]


METHODS = ("get", "post", "put", "delete")
WRITE_METHODS = ("post", "put", "delete")
REFUSED = {403, 404, 405}
FORM = {"reason": "改", "name": "改", "target_key": "", "keep": "1", "action": "file", "note": "改"}

# Tables a request may write without changing anything: the session the test client keeps, and
# the audit trail, which records an attempt (a failed password change, an export) as it should.
UNCHECKED_TABLES = {"django_session", "registries_auditevent"}

# (URL name, role) -> why a user of another department may write there: they act on their own
# department's data (department A's rows are still compared, row by row).
OWN_WRITES: dict[tuple[str, str], str] = {
    ("registries:item_claim", Role.STAFF): "claims the shared checklist item for their own department",
}


# Pages that are not behind a rule (any signed-in user's own pages) and answer PUT and DELETE
# like GET, a read of the user's own data; every other page refuses them.
ANSWERS_ANY_METHOD = {"home", "notifications:list"}
# `/` is the public portal's door for anonymous visitors (publicity/views_portal.py).
PORTAL_FOR_ANONYMOUS = {"home"}


def _send(client: Any, method: str, path: str, data: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(path)
    if method == "post":
        return client.post(path, data)
    return getattr(client, method)(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def _writes() -> dict[str, int]:
    """Rows inserted, updated or deleted so far in this test's transaction, per table (PostgreSQL's
    own counters: a write shows even when it leaves the same values behind)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return {table: n for table, n in cursor.fetchall() if n and table not in UNCHECKED_TABLES}


def _changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def _leaks(world: World, response: Any) -> list[str]:
    if response.status_code != 200:
        return []
    body = _text_of(response)
    return [s for s in world.secrets if s and s in body]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_it_keeps_every_url_closed_to_strangers(client, world: World, strangers: list[Stranger], route: Route) -> None:
    """Every method of the URL, anonymous and as staff, leader and inspector of another department."""
    if _is_public(route):
        pytest.skip("public page")
    path = route.path(_kwargs_for(route, world))
    assert resolve(path).route is not None, f"{path} does not resolve back to {route.key}"
    data = {**FORM, "target_key": world.target.credit_code}
    problems: list[str] = []

    state = _writes()
    for method in METHODS:
        response = _send(client, method, path, data)
        turned_away = (
            _is_login_redirect(response)
            or (method != "post" and response.status_code == 405)
            or (route.key in PORTAL_FOR_ANONYMOUS and response.get("Location") == reverse("publicity:index"))
        )
        if not turned_away:
            problems.append(
                f"anonymous {method.upper()}: expected a redirect to login, "
                f"got {response.status_code} {response.get('Location', '')}"
            )
        after = _writes()
        if changed := _changed(state, after):
            problems.append(f"anonymous {method.upper()} changed {changed}")
        state = after

    for stranger in strangers:
        who = f"{stranger.role} of another department"
        client.force_login(stranger.user)
        for method in METHODS:
            own_writes = (route.key, stranger.role) in OWN_WRITES and method != "get"
            own_department = _fingerprint(world.department) if own_writes else None
            before = _writes()
            response = _send(client, method, path, data)
            status = response.status_code
            if status >= 500:
                problems.append(f"{who} {method.upper()}: server error {status}")
            expected = BOB_EXPECTS.get((method.upper(), route.key)) if stranger.role == Role.STAFF else None
            if expected is not None and status != expected:
                problems.append(f"{who} {method.upper()}: {status}, expected {expected}")
            if leaked := _leaks(world, response):
                problems.append(f"{who} {method.upper()} sees department A's {leaked}")
            if method == "get":
                continue
            if own_writes:
                if _fingerprint(world.department) != own_department:
                    problems.append(f"{who} {method.upper()} changed department A's data")
                continue
            if changed := _changed(before, _writes()):
                problems.append(f"{who} {method.upper()} ({status}) changed {changed}")
            refused = status in REFUSED or _is_login_redirect(response)
            if method != "post" and not refused and route.key not in ANSWERS_ANY_METHOD:
                problems.append(f"{who} {method.upper()}: {status}, expected 403, 404 or 405")
            if not refused and status not in (200, 302):
                problems.append(f"{who} {method.upper()}: unexpected {status}")

    assert not problems, f"{route.key} ({path}):\n" + "\n".join(problems)


def test_it_walks_the_registry_pages() -> None:
    """The walk itself must find the pages it is meant to guard (a walk of nothing proves nothing)."""
    keys = {r.key for r in ROUTES}
    assert {"home", "registries:target_list", "registries:target_detail", "registries:item_edit"} <= keys
    assert not {r.key for r in ROUTES if _is_public(r)} & {"home", "registries:target_list"}


@pytest.mark.django_db
def test_it_refuses_alices_posts_to_bobs_objects(client, alice, bob, drc) -> None:
    inspector = InspectorFactory(department=drc, name="赵强")
    target = TargetFactory(department=drc)
    conflict = ConflictFactory(inspector=inspector, target=target, reason="曾在该企业工作")
    version = ChecklistItemVersionFactory(name="价格监督检查")
    ItemClaimFactory(item=version.item, department=drc)
    client.force_login(alice)

    declare = client.post(
        reverse("registries:conflict_create", args=[inspector.pk]),
        {"target_key": target.credit_code, "reason": "亲属"},
    )
    withdraw = client.post(reverse("registries:conflict_delete", args=[conflict.pk]))
    edit = client.post(
        reverse("registries:item_edit", args=[version.item.pk]),
        {
            "name": "改名",
            "category": "key",
            "object_type": "企业",
            "methods": ["on_site"],
            "new_citations": "《价格法》",
        },
    )
    unclaim = client.post(reverse("registries:item_unclaim", args=[version.item.pk]))

    assert (declare.status_code, withdraw.status_code, edit.status_code) == (404, 404, 403)
    assert unclaim.status_code == 302  # a no-op: alice's department had no claim to withdraw
    assert list(Conflict.objects.values_list("reason", flat=True)) == ["曾在该企业工作"]
    assert version.item.versions.count() == 1
    assert ItemClaim.objects.filter(department=drc).count() == 1
