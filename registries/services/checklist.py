"""Claiming (认领) checklist items and versioning their content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from registries.access import require_perm
from registries.audit import audit_record
from registries.errors import RegistryError
from registries.importing.common import ImportResult, Rollback, RowError
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Department,
    InspectionMethod,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    Level,
    Region,
    User,
)

# Fields of a version that a new version may change; `item`, `version` and the dates are set here.
VERSION_FIELDS = ("name", "category", "object_type", "inspecting_body", "content", "methods")
# Fields an edit does not touch: a new version carries them over from the current one.
CARRIED_FIELDS = (
    "list_category",
    "compiled_by",
    "initiating_departments",
    "cooperating_departments",
    "note",
    "extra",
)
_CITATION = re.compile(r"^\s*《(?P<law>[^》]+)》\s*(?P<article>.*?)\s*$")


def _claiming_department_id(user: User) -> int:
    """Department staff claim items for their own department; the office and leaders read only."""
    require_perm(user, "registries.claim_item")
    if user.department_id is None:
        raise PermissionDenied
    return user.department_id


@transaction.atomic
def item_claim(*, user: User, item: ChecklistItem, request: HttpRequest | None = None) -> ItemClaim:
    """Claim `item` for the user's department; claiming twice is a no-op."""
    department_id = _claiming_department_id(user)
    # get_or_create alone races: two clicks can both miss the row and both insert. The unique
    # constraint (item, department) rejects the second insert; the savepoint lets us read the winner.
    try:
        with transaction.atomic():
            claim, created = ItemClaim.objects.get_or_create(
                item=item, department_id=department_id, defaults={"claimed_by": user}
            )
    except IntegrityError:
        claim, created = ItemClaim.objects.get(item=item, department_id=department_id), False
    if created:
        audit_record(actor=user, request=request, action="checklist.item_claim", obj=claim, detail={"item": item.code})
    return claim


@transaction.atomic
def item_unclaim(*, user: User, item: ChecklistItem, request: HttpRequest | None = None) -> bool:
    """Withdraw the user's department's claim; returns whether there was one."""
    claims = ItemClaim.objects.filter(item=item, department_id=_claiming_department_id(user))
    claim = claims.first()
    if claim is None:
        return False
    audit_record(actor=user, request=request, action="checklist.item_unclaim", obj=claim, detail={"item": item.code})
    claims.delete()
    return True


def parse_citations(text: str) -> list[tuple[str, str]]:
    """Lines like `《中华人民共和国食品安全法》第一百一十条` -> [(law, article)]; the reason in Chinese otherwise."""
    citations: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _CITATION.match(line)
        if match is None:
            raise RegistryError(
                _("第%(line)d行：检查依据应写成《法律法规名称》条款，例如《中华人民共和国食品安全法》第一百一十条")
                % {"line": number}
            )
        citations.append((match["law"].strip(), match["article"]))
    return citations


@transaction.atomic
def item_version_create(
    *,
    user: User,
    item: ChecklistItem,
    name: str,
    category: str,
    object_type: str,
    inspecting_body: str = "",
    content: str = "",
    methods: Sequence[str] = (),
    legal_bases: Iterable[LegalBasis] = (),
    new_citations: Sequence[tuple[str, str]] = (),
    request: HttpRequest | None = None,
) -> ChecklistItemVersion:
    """A change of an item is a new version; the old one stays, superseded, for the plans citing it."""
    require_perm(user, "registries.edit_item", item)
    if category not in ItemCategory.values:
        raise RegistryError({"category": _("事项类别无效")})
    # Lock the item row: two staff saving at once would otherwise both read version n and
    # both try to insert n+1 (or both supersede the same current version).
    ChecklistItem.objects.select_for_update().filter(pk=item.pk).first()
    current = item.versions.filter(superseded_at__isnull=True).prefetch_related("legal_bases").first()
    # Methods are an open vocabulary on import (专业机构核查, 抽样检测): a version keeps those it had.
    kept = set(current.methods) if current is not None else set()
    unknown = [m for m in methods if m not in InspectionMethod.values and m not in kept]
    if unknown:
        raise RegistryError({"methods": _("检查方式无效：%(methods)s") % {"methods": "、".join(unknown)}})

    bases = {b.pk: b for b in legal_bases}
    for law, article in new_citations:
        basis, _created = LegalBasis.objects.get_or_create(law=law, article=article)
        bases[basis.pk] = basis
    values = {
        "name": name.strip(),
        "category": category,
        "object_type": object_type.strip(),
        "inspecting_body": inspecting_body.strip(),
        "content": content.strip(),
        "methods": list(dict.fromkeys(methods)),
    }
    carried = {f: getattr(current, f) for f in CARRIED_FIELDS} if current is not None else {}
    if current is not None:
        unchanged = all(getattr(current, f) == values[f] for f in VERSION_FIELDS)
        if unchanged and {b.pk for b in current.legal_bases.all()} == set(bases):
            raise RegistryError(_("内容未作任何修改，未生成新版本"))

    now = timezone.now()
    last = item.versions.order_by("-version").values_list("version", flat=True).first() or 0
    if current is not None:
        ChecklistItemVersion.objects.filter(pk=current.pk).update(superseded_at=now)
    version = ChecklistItemVersion.objects.create(item=item, version=last + 1, created_at=now, **values, **carried)
    version.legal_bases.set(bases.values())
    audit_record(
        actor=user,
        request=request,
        action="checklist.item_version_create",
        obj=version,
        detail={"item": item.code, "version": version.version},
    )
    return version


# --- importing a published checklist -----------------------------------------------------


@dataclass
class ChecklistImportResult(ImportResult):
    headers: list[str] = field(default_factory=list)  # 'header → label' for every column of the file
    unknown_departments: list[str] = field(default_factory=list)  # names no department answers to
    created_departments: list[str] = field(default_factory=list)


def checklist_import(
    *,
    path: Path,
    department: Department | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    create_departments: bool = False,
    aliases: dict[str, Department] | None = None,
    overrides: dict[str, str] | None = None,
    refuse_unknown_departments: bool = True,
) -> ChecklistImportResult:
    """Import a published checklist: items versioned, claimed by the departments they name.

    `aliases` maps a kind of department (教育部门) to a bureau: remembered for `department`'s
    region, so the next list of the same province maps itself. Departments no name resolves
    refuse the whole file unless `create_departments` (created at the level and region their
    name says), or, with `refuse_unknown_departments=False`, land unclaimed by them with a
    warning per name. A file with unknown columns is not read (`unknown_columns`). Nothing is
    written on a dry run, nor on any rejection when `atomic`.
    """
    from registries.importing import items as item_import
    from registries.importing.columns import describe_lines, unknown_message
    from registries.importing.department_names import DepartmentNames, create_department, infer_place, remember_kind
    from registries.importing.department_names import key as name_key
    from registries.importing.headers import Header, describe

    parsed = item_import.parse_items(path, overrides=overrides)
    result = ChecklistImportResult(total=parsed.total, errors=list(parsed.errors), warnings=list(parsed.warnings))
    result.headers = describe_lines(Header((), 0, parsed.headers), item_import.ITEM_COLUMNS)
    labels = dict(describe(Header((), 0, parsed.headers), item_import.ITEM_COLUMNS))
    result.columns = [
        {
            "index": str(c.index),
            "header": c.header,
            "key": c.key,
            "maps_to": labels.get(c.header, ""),
            "how": c.how or "unknown",
            "field": c.field or "",
        }
        for c in parsed.headers
        if c.header
    ]
    result.unknown_columns = [c.header for c in parsed.headers if c.unknown and c.header]
    if result.unknown_columns and parsed.header is not None:
        result.message = unknown_message(parsed.header)
        return result
    home = department.region if department is not None else Region.objects.filter(parent__isnull=True).first()
    try:
        with transaction.atomic():
            for kind, target in (aliases or {}).items():
                if home is None:
                    raise RegistryError(_("没有行政区划，无法记录部门类别的对应关系"))
                remember_kind(region=home, name=kind, department=target)
            resolve = DepartmentNames(department.region if department is not None else None)
            unknown = [name for name in parsed.departments if resolve(name) is None]
            if unknown and create_departments and home is not None:
                for name in unknown:
                    place = infer_place(name, home)
                    resolve.names[name_key(name)] = create_department(name, place).pk
                    result.created_departments.append(f"{name}（{Level(place.level).label}，{place.region.name}）")
                unknown = []
            result.unknown_departments = unknown
            if unknown and not refuse_unknown_departments:
                for name in unknown:
                    result.warnings.append(
                        RowError(
                            parsed.departments[name],
                            _("部门“%(name)s”无法识别，未认领该事项：请在部门类别对应中指定本地部门后重新导入")
                            % {"name": name},
                            value=name,
                        )
                    )
                unknown = []
            refuse = bool(unknown) or (atomic and bool(result.errors)) or not parsed.rows
            if not refuse:
                result.created, result.updated, result.unchanged = item_import.write_items(
                    parsed.rows, actor=actor, resolve=resolve
                )
            if dry_run or refuse:
                raise Rollback
            audit_record(
                actor=actor,
                action="registry.import",
                detail={
                    "kind": "items",
                    "file": Path(path).name,
                    "department": department.name if department else "",
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                    "created_departments": result.created_departments,
                },
            )
            result.applied = True
    except Rollback:
        pass
    if result.unknown_departments and refuse_unknown_departments:
        rows = _("；").join(
            _("%(name)s（第%(row)d行）") % {"name": n, "row": parsed.departments[n]} for n in result.unknown_departments
        )
        result.message = _(
            "无法识别的部门：%(rows)s。未导入：请用 --alias '名称=部门' 对应到已有部门，或加 --create-departments 新建"
        ) % {"rows": rows}
    elif not parsed.rows:
        result.message = _("没有可导入的事项，未做任何修改")
    elif atomic and result.errors:
        result.message = _("有%(n)d行被拒绝，已按“全部成功才导入”的要求放弃整个文件，未做任何修改") % {
            "n": result.rejected
        }
    elif dry_run:
        result.message = _("预览：以上为将要发生的修改，尚未写入")
    return result
