"""Reads of the one list and two registries: scoped QuerySets, paging without COUNT(*)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import BooleanField, Count, ExpressionWrapper, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from registries import credit_code
from registries.access import scoped
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Conflict,
    Expert,
    ImportJob,
    ImportStatus,
    Inspector,
    InspectorStatus,
    ItemClaim,
    LegalBasis,
    Target,
    User,
)

M = TypeVar("M", bound=Model)

PAGE_SIZE = 50
# Lists show "1000+" instead of counting millions of rows on every page.
COUNT_CAP = 1000
EXPIRY_WARNING_DAYS = 30


@dataclass
class SlicePage(Generic[M]):
    """One page of a list, fetched with LIMIT n+1: no COUNT(*) over the whole table."""

    object_list: list[M]
    number: int
    has_next: bool
    count: int
    count_capped: bool
    per_page: int = PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def estimated_count(queryset: QuerySet[Any]) -> int:
    """The planner's estimate of the rows a query returns (EXPLAIN), without running it.

    Lists beyond COUNT_CAP rows say "about N" from this instead of counting a province's
    registry on every page; PostgreSQL's statistics keep it within a few per cent for plain
    filters (ANALYZE runs with autovacuum).
    """
    from django.db import connections

    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(queryset: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """COUNT over at most cap+1 rows (a LIMITed subquery): (count, whether it was capped)."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def paginate(queryset: QuerySet[M], page: str | int | None, per_page: int = PAGE_SIZE) -> SlicePage[M]:
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    count, capped = capped_count(queryset)
    if capped:
        # Beyond the cap, the planner's estimate (said as "about"), never below what was seen.
        count = max(count + 1, offset + len(rows), estimated_count(queryset))
    return SlicePage(
        object_list=rows[:per_page],
        number=number,
        has_next=len(rows) > per_page,
        count=count,
        count_capped=capped,
        per_page=per_page,
    )


# --- targets -------------------------------------------------------------------------------


def looks_like_code(text: str) -> bool:
    """Credit codes, identifiers and registration numbers: ASCII letters and digits only."""
    return bool(text) and text.isascii() and text.isalnum()


def target_list(
    *,
    user: User,
    q: str = "",
    match: str = "contains",
    kind: str = "",
    status: str = "",
    region: Any = None,
    tag: Any = None,
    department: Any = None,
) -> QuerySet[Target]:
    qs = scoped(user, Target.objects.all())
    q = q.strip()
    if q:
        code = credit_code.normalise(q)
        if looks_like_code(code):
            # Codes match exactly (indexed, unique); never a LIKE over millions of rows.
            qs = qs.filter(Q(credit_code=code) | Q(identifier=code) | Q(registration_no=code))
        elif match == "prefix":
            # The lower bound lets PostgreSQL start the name-index scan at q (LIKE alone cannot use
            # an index under a non-C collation); every string starting with q sorts at or after q.
            qs = qs.filter(name__gte=q, name__startswith=q)
        else:
            qs = qs.filter(name__contains=q)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region=region)
    if tag:
        qs = qs.filter(tags=tag)
    if department:
        qs = qs.filter(department=department)
    return qs.select_related("region", "department").prefetch_related("tags").order_by("name", "pk")


def target_detail_qs(user: User) -> QuerySet[Target]:
    return scoped(user, Target.objects.select_related("region", "department").prefetch_related("tags"))


# --- inspectors, experts, conflicts ---------------------------------------------------------


def _validity_annotations(field_name: str, today: dt.date) -> dict[str, ExpressionWrapper]:
    soon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    return {
        "is_expired": ExpressionWrapper(Q(**{f"{field_name}__lt": today}), output_field=BooleanField()),
        "expires_soon": ExpressionWrapper(
            Q(**{f"{field_name}__gte": today, f"{field_name}__lte": soon}), output_field=BooleanField()
        ),
    }


def inspector_list(
    *,
    user: User,
    q: str = "",
    status: str = "",
    validity: str = "",
    expertise: Any = None,
    region: Any = None,
    department: Any = None,
) -> QuerySet[Inspector]:
    today = timezone.localdate()
    qs = scoped(user, Inspector.objects.all())
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(certificate_no=q))
    if status:
        qs = qs.filter(status=status)
    if validity == "valid":
        qs = qs.filter(certificate_valid_until__gte=today)
    elif validity == "expired":
        qs = qs.filter(certificate_valid_until__lt=today)
    elif validity == "matchable":
        qs = qs.filter(certificate_valid_until__gte=today, status=InspectorStatus.ACTIVE)
    if expertise:
        qs = qs.filter(expertise=expertise)
    if region:
        qs = qs.filter(region=region)
    if department:
        qs = qs.filter(department=department)
    return (
        qs.annotate(**_validity_annotations("certificate_valid_until", today))
        .select_related("department", "region")
        .prefetch_related("expertise")
        .order_by("department__name", "name", "pk")
    )


def inspector_detail_qs(user: User) -> QuerySet[Inspector]:
    today = timezone.localdate()
    return scoped(
        user,
        Inspector.objects.annotate(**_validity_annotations("certificate_valid_until", today))
        .select_related("department", "region", "user")
        .prefetch_related("expertise"),
    )


def inspector_conflicts(inspector: Inspector) -> QuerySet[Conflict]:
    return inspector.conflicts.select_related("target", "target__region").order_by("-declared_at")


def expert_list(
    *, user: User, q: str = "", kind: str = "", expertise: Any = None, active: str = "", department: Any = None
) -> QuerySet[Expert]:
    today = timezone.localdate()
    qs = scoped(user, Expert.objects.all())
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(organisation__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if expertise:
        qs = qs.filter(expertise=expertise)
    if active == "yes":
        qs = qs.filter(is_active=True)
    elif active == "no":
        qs = qs.filter(is_active=False)
    if department:
        qs = qs.filter(department=department)
    return (
        qs.annotate(**_validity_annotations("qualification_valid_until", today))
        .select_related("department", "region")
        .prefetch_related("expertise")
        .order_by("name", "pk")
    )


def expert_detail_qs(user: User) -> QuerySet[Expert]:
    today = timezone.localdate()
    return scoped(
        user,
        Expert.objects.annotate(**_validity_annotations("qualification_valid_until", today))
        .select_related("department", "region")
        .prefetch_related("expertise"),
    )


def conflict_qs(user: User) -> QuerySet[Conflict]:
    return scoped(
        user,
        Conflict.objects.select_related("inspector", "inspector__department", "target"),
        "inspector__department",
    )


def conflict_list(*, user: User, q: str = "", department: Any = None) -> QuerySet[Conflict]:
    qs = conflict_qs(user)
    q = q.strip()
    if q:
        code = credit_code.normalise(q)
        qs = qs.filter(
            Q(inspector__name__contains=q)
            | Q(target__name__contains=q)
            | Q(target__credit_code=code)
            | Q(inspector__certificate_no=q)
        )
    if department:
        qs = qs.filter(inspector__department=department)
    return qs.order_by("-declared_at", "-pk")


# --- the checklist: a shared list -----------------------------------------------------------


def item_list(
    *, user: User, q: str = "", category: str = "", method: str = "", claim: str = "", legal_basis: Any = None
) -> QuerySet[ChecklistItemVersion]:
    """Current versions of the items; every registry role reads the whole list."""
    qs = ChecklistItemVersion.objects.filter(superseded_at__isnull=True)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(item__code=q) | Q(object_type__contains=q))
    if category:
        qs = qs.filter(category=category)
    if method:
        # JSON list membership (jsonb @>).
        qs = qs.filter(methods__contains=[method])
    if claim == "mine" and user.department_id:
        qs = qs.filter(item__claims__department_id=user.department_id)
    elif claim == "unclaimed":
        qs = qs.filter(item__claims__isnull=True)
    elif claim == "not_mine" and user.department_id:
        qs = qs.exclude(item__claims__department_id=user.department_id)
    if legal_basis:
        qs = qs.filter(legal_bases=legal_basis)
    return (
        qs.select_related("item")
        .prefetch_related(
            "legal_bases", Prefetch("item__claims", ItemClaim.objects.select_related("department").order_by("pk"))
        )
        .order_by("item__code")
    )


def item_detail_qs() -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.prefetch_related(
        Prefetch("versions", ChecklistItemVersion.objects.prefetch_related("legal_bases").order_by("-version")),
        Prefetch("claims", ItemClaim.objects.select_related("department", "claimed_by").order_by("claimed_at")),
    )


def item_version_qs() -> QuerySet[ChecklistItemVersion]:
    return ChecklistItemVersion.objects.select_related("item").prefetch_related("legal_bases")


def claim_list(*, user: User, department: Any = None) -> QuerySet[ItemClaim]:
    """The claims of the user's department (every department's for the office)."""
    qs = scoped(user, ItemClaim.objects.all())
    if department:
        qs = qs.filter(department=department)
    return (
        qs.select_related("department", "item", "claimed_by")
        .prefetch_related(
            Prefetch("item__versions", ChecklistItemVersion.objects.filter(superseded_at__isnull=True), "current")
        )
        .order_by("department__name", "item__code")
    )


def legal_basis_list(*, q: str = "") -> QuerySet[LegalBasis]:
    qs = LegalBasis.objects.all()
    q = q.strip()
    if q:
        qs = qs.filter(Q(law__contains=q) | Q(article__contains=q))
    return qs.annotate(
        current_items=Count("item_versions", filter=Q(item_versions__superseded_at__isnull=True), distinct=True),
        all_versions=Count("item_versions", distinct=True),
    ).order_by("law", "article")


def legal_basis_versions(basis: LegalBasis) -> QuerySet[ChecklistItemVersion]:
    """Every item version citing this basis, current ones first: what a change of law touches."""
    return (
        basis.item_versions.select_related("item")
        .prefetch_related(Prefetch("item__claims", ItemClaim.objects.select_related("department")))
        .order_by("superseded_at", "item__code", "-version")
    )


# --- history (django-pghistory) -------------------------------------------------------------


def history_for(obj: Model, limit: int = 100) -> list[Any]:
    """The change events of one tracked record (pghistory's triggers), newest first."""
    from pghistory.models import Events

    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    # The history middleware stores the acting user's id in the context; one query names them all.
    user_ids = {e.pgh_context.get("user") for e in events if isinstance(e.pgh_context, dict)}
    users = User.objects.in_bulk([i for i in user_ids if i is not None])
    for event in events:
        context = event.pgh_context if isinstance(event.pgh_context, dict) else {}
        event.actor = users.get(context.get("user"))
    return events


# --- home page ------------------------------------------------------------------------------


@dataclass
class HomeCounts:
    targets: tuple[int, bool]
    inspectors: tuple[int, bool]
    matchable_inspectors: tuple[int, bool]
    claimed_items: tuple[int, bool]
    items: tuple[int, bool]


def home_counts(user: User) -> HomeCounts | None:
    """Counts of the department's registries (all departments for the office), capped."""
    if not user.has_perm("registries.view_registry"):
        return None
    today = timezone.localdate()
    cap = 1_000_000
    inspectors = scoped(user, Inspector.objects.all())
    if user.has_perm("registries.view_all_departments") or user.department_id is None:
        claimed = ChecklistItem.objects.filter(claims__isnull=False).distinct()
    else:
        claimed = ChecklistItem.objects.filter(claims__department_id=user.department_id)
    return HomeCounts(
        targets=capped_count(scoped(user, Target.objects.all()), cap),
        inspectors=capped_count(inspectors, cap),
        matchable_inspectors=capped_count(
            inspectors.filter(status=InspectorStatus.ACTIVE, certificate_valid_until__gte=today), cap
        ),
        claimed_items=capped_count(claimed, cap),
        items=capped_count(ChecklistItemVersion.objects.filter(superseded_at__isnull=True), cap),
    )


def imports_to_review(user: User) -> QuerySet[ImportJob]:
    """The user's own previews waiting to be reviewed and committed (or left), newest first."""
    if not user.has_perm("registries.import_registry"):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user, status=ImportStatus.PREVIEWED, dry_run=True).order_by(
        "-created_at"
    )
