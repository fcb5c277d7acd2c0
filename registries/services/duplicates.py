"""Likely duplicates in the target registry: find them in SQL, let a clerk merge or dismiss.

Two records are likely one entity when, within one department's registry,
- they share an old 15-digit registration number (原注册号): typically the record a
  licensing office keeps without the 统一社会信用代码 and the record that has it; or
- they carry the same name at the same address once both are normalised (spaces removed,
  full-width forms folded, upper case).

Finding groups is one window query per reason (GROUP BY in SQL, not a Python loop over the
registry); only the members of duplicate groups come back to Python. Each group becomes a
star of flags around its anchor (the record a clerk would keep: with a credit code, 存续,
oldest), so a group of n yields n-1 flags, not n(n-1)/2.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, CharField, Count, Expression, F, Func, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from registries.access import require_perm
from registries.audit import audit_record
from registries.errors import RegistryError
from registries.models import (
    Department,
    DuplicateFlag,
    DuplicateReason,
    DuplicateStatus,
    Target,
    TargetStatus,
    User,
)

_CHUNK = 20_000  # keys per IN (...) list: well below the 65,535 parameters of a query


def normalise_text(raw: str) -> str:
    """The Python twin of `Normalised`: NFKC, no whitespace, upper case."""
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


class Normalised(Func):
    """A name or address folded for comparison (NFKC, no whitespace, upper case), in SQL."""

    arity = 1
    output_field = CharField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"UPPER(REGEXP_REPLACE(NORMALIZE({sql}, NFKC), '\\s', '', 'g'))", list(params)


class IdList(Aggregate):
    """The ids of a group as one comma-separated string."""

    function = "STRING_AGG"
    template = "%(function)s((%(expressions)s)::text, ',')"
    output_field = CharField()


def _candidates(department: Department | None) -> QuerySet[Target]:
    targets = Target.objects.exclude(status=TargetStatus.MERGED)
    if department is not None:
        targets = targets.filter(department=department)
    return targets


def _groups(targets: QuerySet[Target], **keys: Expression | F) -> Iterator[list[int]]:
    """Ids of the members of every group of two or more with the same department and keys.

    One GROUP BY ... HAVING COUNT(*) > 1 over the registry (a hash aggregate: no sort) returns
    the ids of each duplicate group; the members' ranks are then read by primary key.
    Members come anchor first: a record with a credit code, then 存续, then the oldest.
    """
    groups = [
        [int(pk) for pk in ids.split(",")]
        for ids in targets.annotate(**keys)
        .order_by()
        .values("department_id", *keys)
        .annotate(members=Count("id"), ids=IdList("id"))
        .filter(members__gt=1)
        .values_list("ids", flat=True)
        .iterator(chunk_size=5000)
    ]
    wanted = sorted(pk for group in groups for pk in group)
    rank: dict[int, tuple[bool, bool, int]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = Target.objects.filter(pk__in=wanted[start : start + _CHUNK]).values_list("id", "credit_code", "status")
        rank.update({pk: (code is None, status != TargetStatus.ACTIVE, pk) for pk, code, status in rows})
    for group in sorted(groups):
        yield sorted(group, key=rank.__getitem__)


def _star(ids: list[int], reason: str) -> Iterator[tuple[int, int, str]]:
    anchor = ids[0]
    for other in ids[1:]:
        yield (min(anchor, other), max(anchor, other), reason)


def _existing(pairs: Iterable[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    pairs = list(pairs)
    found: set[tuple[int, int, str]] = set()
    firsts = sorted({first for first, *_rest in pairs})
    for start in range(0, len(firsts), 1000):
        chunk = firsts[start : start + 1000]
        found.update(DuplicateFlag.objects.filter(first_id__in=chunk).values_list("first_id", "second_id", "reason"))
    return found


@transaction.atomic
def duplicates_flag(*, department: Department | None = None) -> int:
    """Record a DuplicateFlag for every likely duplicate not flagged before; return how many are new.

    Idempotent: a pair flagged once (open, merged or dismissed) is never flagged again for
    the same reason, so a dismissal sticks.
    """
    # Room for the GROUP BY of a million keys in memory instead of spilling to disk.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")
    targets = _candidates(department)
    pairs: set[tuple[int, int, str]] = set()
    for ids in _groups(targets.exclude(registration_no=""), reg_key=F("registration_no")):
        pairs.update(_star(ids, DuplicateReason.SAME_REGISTRATION_NO))
    by_name_address = targets.exclude(address="")
    for ids in _groups(by_name_address, name_key=Normalised(F("name")), address_key=Normalised(F("address"))):
        pairs.update(_star(ids, DuplicateReason.SAME_NAME_ADDRESS))
    new = sorted(pairs - _existing(pairs))
    DuplicateFlag.objects.bulk_create(
        [DuplicateFlag(first_id=first, second_id=second, reason=reason) for first, second, reason in new],
        batch_size=1000,
        # A concurrent run may have inserted the same pair: the unique constraint decides.
        ignore_conflicts=True,
    )
    return len(new)


def _lock_open_flag(flag: DuplicateFlag) -> DuplicateFlag:
    # Locking the flag row makes two clerks acting on the same flag at once take turns:
    # the second finds it no longer open instead of merging twice.
    locked = DuplicateFlag.objects.select_for_update().select_related("first", "second").get(pk=flag.pk)
    if locked.status != DuplicateStatus.OPEN:
        raise RegistryError(_("该疑似重复已处理（%(status)s），请刷新页面") % {"status": locked.get_status_display()})
    return locked


def _check_can_change(user: User, flag: DuplicateFlag) -> None:
    require_perm(user, "registries.resolve_duplicate", flag)


def suggested_keep(flag: DuplicateFlag) -> Target:
    """The record a clerk would normally keep: the one with a credit code, 存续, then the older."""

    def rank(target: Target) -> tuple[int, int, int]:
        return (target.credit_code is None, target.status != TargetStatus.ACTIVE, target.pk)

    return min(flag.first, flag.second, key=rank)


_FILLABLE = ("registration_no", "address", "industry", "established_on")


@transaction.atomic
def duplicate_merge(*, user: User, flag: DuplicateFlag, keep: Target) -> Target:
    """Merge the flagged pair into `keep` and return it.

    The other record stays in the registry, marked 已合并 and pointing at the kept one, so
    it is never drawn again while its history (and any inspection referring to it) stays
    readable. Its tags and declared conflicts move to the kept record, and blank fields of
    the kept record are filled from it. Other open flags of the merged record are
    re-pointed at the kept one.
    """
    flag = _lock_open_flag(flag)
    _check_can_change(user, flag)
    if keep.pk not in (flag.first_id, flag.second_id):
        raise RegistryError(_("保留的记录必须是这对疑似重复中的一条"))
    keep, other = (flag.first, flag.second) if keep.pk == flag.first_id else (flag.second, flag.first)
    if other.credit_code and not keep.credit_code:
        raise RegistryError(
            _("应保留有统一社会信用代码（%(code)s）的记录「%(name)s」")
            % {"code": other.credit_code, "name": other.name}
        )
    if TargetStatus.MERGED in (keep.status, other.status):
        raise RegistryError(_("其中一条记录已被合并，不能再次合并"))
    now = timezone.now()

    keep.tags.add(*other.tags.all())
    # A conflict the kept record already has for the same inspector stays on the merged one.
    already = set(keep.conflicts.values_list("inspector_id", flat=True))
    moved_conflicts = other.conflicts.exclude(inspector_id__in=already).update(target=keep)

    filled = []
    for field in _FILLABLE:
        if not getattr(keep, field) and getattr(other, field):
            setattr(keep, field, getattr(other, field))
            filled.append(field)
    keep.updated_at = now
    keep.save(update_fields=[*filled, "updated_at"])

    other.status = TargetStatus.MERGED
    other.merged_into = keep
    other.updated_at = now
    other.save(update_fields=["status", "merged_into", "updated_at"])

    flag.status = DuplicateStatus.MERGED
    flag.resolved_at = now
    flag.resolved_by = user
    flag.save(update_fields=["status", "resolved_at", "resolved_by"])
    _repoint_open_flags(merged=other, keep=keep, user=user, now=now)

    audit_record(
        actor=user,
        action="target.merge",
        obj=keep,
        detail={
            "flag": flag.pk,
            "reason": flag.reason,
            "kept": keep.pk,
            "merged": other.pk,
            "merged_name": other.name,
            "filled": filled,
            "moved_conflicts": moved_conflicts,
        },
    )
    return keep


def _repoint_open_flags(*, merged: Target, keep: Target, user: User, now: Any) -> None:
    open_flags = DuplicateFlag.objects.select_for_update().filter(
        Q(first=merged) | Q(second=merged), status=DuplicateStatus.OPEN
    )
    for other_flag in open_flags:
        partner_id = other_flag.second_id if other_flag.first_id == merged.pk else other_flag.first_id
        first, second = sorted((keep.pk, partner_id))
        taken = DuplicateFlag.objects.filter(first_id=first, second_id=second, reason=other_flag.reason).exists()
        if partner_id == keep.pk or taken:
            # Settled by this merge (same pair, another reason) or already flagged for the kept record.
            other_flag.status = DuplicateStatus.MERGED
            other_flag.resolved_at = now
            other_flag.resolved_by = user
            other_flag.save(update_fields=["status", "resolved_at", "resolved_by"])
        else:
            other_flag.first_id, other_flag.second_id = first, second
            other_flag.save(update_fields=["first", "second"])


@transaction.atomic
def duplicate_dismiss(*, user: User, flag: DuplicateFlag) -> DuplicateFlag:
    """Record that the pair is not one entity; it is never flagged again for this reason."""
    flag = _lock_open_flag(flag)
    _check_can_change(user, flag)
    flag.status = DuplicateStatus.DISMISSED
    flag.resolved_at = timezone.now()
    flag.resolved_by = user
    flag.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit_record(
        actor=user, action="duplicate.dismiss", obj=flag, detail={"first": flag.first_id, "second": flag.second_id}
    )
    return flag


def duplicate_flag_list(*, user: User, status: str = DuplicateStatus.OPEN) -> QuerySet[DuplicateFlag]:
    """The flags the user may see (their department's; the office sees all), newest first.

    A read, kept next to the writes of this feature; both records of a pair belong to one
    department, so scoping by the first record's department is enough.
    """
    from registries.access import scoped

    flags = DuplicateFlag.objects.filter(status=status).select_related(
        "first__region", "second__region", "first__department", "second__department", "resolved_by"
    )
    return scoped(user, flags, "first__department").order_by("-created_at", "-id")
