"""Writes of the credit-risk app: tier assessments, warning populations, policy presets.

Every write of a tier or a policy goes through this module, which checks the writer and audits
the change (`registries.audit.audit_record`, in the same transaction) with the state before and
after:

- tiers (`tier_set`, `tiers_import`) and observation periods (`observation_set`): only the staff
  of the department that maintains the target (`credit_risk.access.may_write_tier`); an import
  accepts rows only for those targets and rejects any other code with the message of an unknown
  one (no oracle of the registry);
- shared tier policies (`policy_update`): only the leading-group office
  (`credit_risk.access.may_write_policy`).

Anyone else gets PermissionDenied and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from credit_risk.access import may_import_tiers, may_write_policy, may_write_tier, tier_writable_targets
from credit_risk.models import (
    OBSERVATION_TIERS,
    CurrentTier,
    ObservationPeriod,
    RiskSignal,
    RiskWarning,
    Tier,
    TierAssessment,
    TierPolicy,
    TierSource,
    WarningKind,
)
from credit_risk.tables import TableRefusedError, iter_table
from registries import credit_code
from registries.audit import audit_record
from registries.importing.workbook import WorkbookRefused, find_header
from registries.importing.workbook import clean_text as workbook_text
from registries.models import MARKET_ENTITY_KINDS, Target, TargetStatus, User
from registries.xlsx import clean_text

TIER_WORDS = {
    "A": Tier.A,
    "A类": Tier.A,
    "低风险": Tier.A,
    "B": Tier.B,
    "B类": Tier.B,
    "一般风险": Tier.B,
    "C": Tier.C,
    "C类": Tier.C,
    "较高风险": Tier.C,
    "D": Tier.D,
    "D类": Tier.D,
    "高风险": Tier.D,
    "未分类": Tier.NONE,
    "无": Tier.NONE,
}

# Canonical names in Chinese: the shared header finder names them when a file has no header.
CODE, TIER, NAME, DATE = "统一社会信用代码", "信用风险分类", "企业名称", "分类日期"
TIER_COLUMNS = {
    CODE: {"统一社会信用代码", "信用代码", "社会信用代码"},
    TIER: {"信用风险分类", "风险分类", "分类结果", "信用风险类别", "风险等级"},
    NAME: {"企业名称", "名称", "主体名称"},
    DATE: {"分类日期", "评价日期"},
}
HEADER_SCAN = 10


# Rows of a refused import listed on the page (and by the command); the rest are counted.
SHOWN_ERRORS = 100


@dataclass
class TierImportResult:
    rows: int = 0
    written: int = 0
    errors: list[str] = field(default_factory=list)
    # Every rejected row and refusal, also those beyond the SHOWN_ERRORS listed in `errors`.
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def reject(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < SHOWN_ERRORS:
            self.errors.append(message)


def parse_tier(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace("级", "")
    if any(unicodedata.category(ch)[0] == "C" for ch in text):  # "D\x00" is not D: a broken cell
        raise ValueError(_("信用风险分类“%(v)s”含有控制字符或不可见字符") % {"v": _shown(raw)})
    if text in TIER_WORDS:
        return TIER_WORDS[text]
    for word, tier in TIER_WORDS.items():
        # "A类（低风险）", "D 高风险"
        if len(word) > 1 and word in text:
            return tier
    if text and text[0] in "ABCD" and (len(text) == 1 or not text[1].isalpha()):
        return text[:1]
    raise ValueError(
        _("无法识别的信用风险分类“%(v)s”，应为 A/B/C/D 或 低风险/一般风险/较高风险/高风险") % {"v": _shown(raw)}
    )


def _write_current(assessments: Iterable[TierAssessment]) -> None:
    latest: dict[int, TierAssessment] = {}
    for a in assessments:
        seen = latest.get(a.target_id)
        if seen is None or (a.assessed_on, a.pk) >= (seen.assessed_on, seen.pk):
            latest[a.target_id] = a
    existing = dict(CurrentTier.objects.filter(target_id__in=latest).values_list("target_id", "assessed_on"))
    rows = [
        CurrentTier(target_id=t, tier=a.tier, assessment=a, assessed_on=a.assessed_on)
        for t, a in latest.items()
        # an older assessment entered later does not replace a newer one
        if existing.get(t) is None or existing[t] <= a.assessed_on
    ]
    CurrentTier.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["target"],
        update_fields=["tier", "assessment", "assessed_on"],
    )


def _current_tiers(target_ids: Iterable[int], *, lock: bool = False) -> dict[int, str]:
    """The current tier of each target ("none" when never assessed); `lock` holds the rows until commit."""
    rows = CurrentTier.objects.filter(target_id__in=list(target_ids))
    if lock:
        rows = rows.select_for_update()
    return dict(rows.values_list("target_id", "tier"))


@transaction.atomic
def tier_set(
    *,
    target: Target,
    tier: str,
    reason: str,
    user: User,
    assessed_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> TierAssessment:
    """Set a target's tier by hand; the reason is required and the history keeps the old tier.

    Only the staff of the target's department (`may_write_tier`); audited with the current tier
    before and after (an assessment dated before the current one is history, the tier stays).
    """
    if not may_write_tier(user, target):
        raise PermissionDenied(_("只有维护该检查对象的部门的业务人员可以设定其信用风险分类"))
    if tier not in Tier.values:
        raise ValueError(_("无效的信用风险分类"))
    if not reason.strip():
        raise ValueError(_("人工设定信用风险分类必须填写理由"))
    before = _current_tiers([target.pk], lock=True).get(target.pk, Tier.NONE)
    assessment = TierAssessment.objects.create(
        target=target,
        tier=tier,
        source=TierSource.MANUAL,
        assessed_on=assessed_on or timezone.localdate(),
        reason=reason.strip(),
        created_by=user,
    )
    _write_current([assessment])
    after = _current_tiers([target.pk]).get(target.pk, Tier.NONE)
    audit_record(
        actor=user,
        action="credit_risk.tier_set",
        obj=target,
        request=request,
        detail={
            "credit_code": target.natural_key_value,
            "before": before,
            "after": after,
            "assessment": assessment.pk,
            "tier": tier,
            "assessed_on": assessment.assessed_on,
            "reason": assessment.reason,
        },
    )
    return assessment


OBSERVATION_MAX_DAYS = 3 * 366


@transaction.atomic
def observation_set(
    *, target: Target, starts_on: dt.date, ends_on: dt.date, reason: str, user: User
) -> ObservationPeriod:
    """Put a low or general-risk target in an observation period (观察期): no random draw covers it
    between the two dates. Refused for C and D (and unclassified) targets and for overlapping periods.
    Written by the same people as the tier (`may_write_tier`)."""
    if not may_write_tier(user, target):
        raise PermissionDenied(_("只有维护该检查对象的部门的业务人员可以设定其观察期"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("设定观察期必须填写理由"))
    if starts_on > ends_on:
        raise ValidationError(_("观察期结束日期不能早于开始日期"))
    if (ends_on - starts_on).days > OBSERVATION_MAX_DAYS:
        raise ValidationError(_("观察期不能超过三年"))
    # Locks the target's tier row: a tier changed to C or D at the same moment waits, then is seen.
    current = CurrentTier.objects.select_for_update().filter(target=target).first()
    if current is None or current.tier not in OBSERVATION_TIERS:
        if current is not None and current.tier in (Tier.C, Tier.D):
            raise ValidationError(
                _("%(tier)s的对象不能设定观察期：观察期仅适用于低风险（A）和一般风险（B）的新业态主体")
                % {"tier": current.get_tier_display()}
            )
        raise ValidationError(_("未分类的对象不能设定观察期：观察期仅适用于低风险（A）和一般风险（B）的新业态主体"))
    overlapping = ObservationPeriod.objects.filter(target=target, starts_on__lte=ends_on, ends_on__gte=starts_on)
    if overlapping.exists():
        raise ValidationError(_("该对象在这段时间内已有观察期"))
    period = ObservationPeriod.objects.create(
        target=target, starts_on=starts_on, ends_on=ends_on, reason=reason, tier=current.tier, created_by=user
    )
    audit_record(
        actor=user,
        action="credit_risk.observation_set",
        obj=period,
        detail={"target": target.pk, "starts_on": starts_on, "ends_on": ends_on, "reason": reason},
    )
    return period


def _shown(value: object, limit: int = 30) -> str:
    """A cell quoted in a message: printable, and short whatever the file holds."""
    text = clean_text(str(value)).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _row_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip().replace("/", "-"))


def tiers_import(
    *,
    path: Path,
    user: User,
    assessed_on: dt.date | None = None,
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> TierImportResult:
    """Import market-regulation classification results (credit code + tier). Any bad row: nothing changes.

    Only rows for the targets the user may write (`tier_writable_targets`: its department's, for
    its staff) are accepted; a code of another department's target is rejected with the very
    message of a code the registry does not hold, so the page is no oracle of the registry. The
    file is refused above TIER_IMPORT_MAX_UPLOAD_BYTES before it is read, and at the first row past
    TIER_IMPORT_MAX_ROWS (title and header included) without reading further. One audit row names
    every assessed target with its current tier before and after.
    """
    if not may_import_tiers(user):
        raise PermissionDenied(_("只有部门业务人员可以导入本部门检查对象的信用风险分类结果"))
    result = TierImportResult()
    limit = settings.TIER_IMPORT_MAX_UPLOAD_BYTES
    size = path.stat().st_size
    if size > limit:
        result.reject(
            _("文件过大（%(size)s），上限为 %(limit)s，请拆分后分批导入")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
        return result
    on = assessed_on or timezone.localdate()
    parsed: list[tuple[int, str, str, dt.date]] = []
    try:
        rows = iter_table(path, max_rows=settings.TIER_IMPORT_MAX_ROWS)
        head = list(islice(rows, HEADER_SCAN))
        try:
            header_index, cols = find_header(head, TIER_COLUMNS, scan=HEADER_SCAN)
        except WorkbookRefused as exc:
            raise TableRefusedError(str(exc)) from exc
        if CODE not in cols or TIER not in cols:
            raise TableRefusedError(_("表头必须包含“统一社会信用代码”和“信用风险分类”两列"))
        body = chain(head[header_index + 1 :], rows)
        for number, row in enumerate(body, start=header_index + 2):
            cells = [*row, *([None] * len(TIER_COLUMNS))]
            raw_code = workbook_text(cells[cols[CODE]])
            raw_tier = cells[cols[TIER]]
            if not raw_code and not workbook_text(raw_tier):
                continue
            result.rows += 1
            try:
                code = credit_code.validate(raw_code)
                tier = parse_tier(raw_tier)
            except (credit_code.CreditCodeError, ValueError) as exc:
                result.reject(_("第 %(n)d 行：%(e)s") % {"n": number, "e": exc})
                continue
            row_date = on
            if DATE in cols and cells[cols[DATE]] not in (None, ""):
                try:
                    row_date = _row_date(cells[cols[DATE]])
                except ValueError:
                    result.reject(
                        _("第 %(n)d 行：无法识别的日期“%(v)s”") % {"n": number, "v": _shown(cells[cols[DATE]])}
                    )
                    continue
            parsed.append((number, code, tier, row_date))
    except TableRefusedError as exc:
        result.reject(str(exc))
        return result
    # Another department's target and a code the registry does not hold: the same message.
    ids: dict[str, int] = {}
    codes = [p[1] for p in parsed]
    for start in range(0, len(codes), 5000):
        batch = codes[start : start + 5000]
        found = tier_writable_targets(user).filter(credit_code__in=batch).values_list("credit_code", "id")
        ids.update((code, pk) for code, pk in found if code)
    for number, code, _tier, _date in parsed:
        if code not in ids:
            result.reject(
                _("第 %(n)d 行：本部门维护的检查对象中没有统一社会信用代码为 %(c)s 的对象") % {"n": number, "c": code}
            )
    if not result.ok or dry_run:
        return result
    with transaction.atomic():
        before = _current_tiers(ids.values(), lock=True)
        created = TierAssessment.objects.bulk_create(
            [
                TierAssessment(
                    target_id=ids[code],
                    tier=tier,
                    source=TierSource.IMPORT,
                    source_detail=path.name[:255],
                    assessed_on=row_date,
                    created_by=user,
                )
                for _n, code, tier, row_date in parsed
            ],
            batch_size=2000,
        )
        _write_current(created)
        after = _current_tiers(ids.values())
        audit_record(
            actor=user,
            action="credit_risk.tiers_import",
            request=request,
            detail={
                "file": path.name,
                "department": user.department_id,
                "rows": result.rows,
                "written": len(created),
                # [credit code, current tier before, current tier after] for every assessed target
                "tiers": [
                    [code, before.get(pk, Tier.NONE), after.get(pk, Tier.NONE)] for code, pk in sorted(ids.items())
                ],
            },
        )
    result.written = len(created)
    return result


_ADDRESS_NOISE = re.compile(r"[\s\-—－_,，.。、:：;；()（）\[\]【】#＃]")


def normalise_address(address: str) -> str:
    """One spelling per address: full-width to half-width, no spaces or punctuation, 号楼/栋 unified."""
    text = unicodedata.normalize("NFKC", address or "").upper()
    text = _ADDRESS_NOISE.sub("", text)
    for old, new in (("号楼", "栋"), ("幢", "栋"), ("零", "0"), ("室", "")):
        text = text.replace(old, new)
    return text


@transaction.atomic
def warnings_compute_same_address(*, on: dt.date | None = None) -> int:
    """一址多照: active market entities sharing a normalised address. Returns the population size."""
    on = on or timezone.localdate()
    groups: dict[str, list[int]] = defaultdict(list)
    targets = Target.objects.filter(status=TargetStatus.ACTIVE, kind__in=list(MARKET_ENTITY_KINDS)).exclude(address="")
    for pk, address in targets.values_list("id", "address").iterator(chunk_size=5000):
        key = normalise_address(address)
        if len(key) >= 6:  # too short to identify a place (e.g. "无", "不详")
            groups[key].append(pk)
    members = {pk: len(pks) for pks in groups.values() if len(pks) > 1 for pk in pks}
    open_rows = RiskWarning.objects.filter(kind=WarningKind.SAME_ADDRESS, removed_on__isnull=True)
    open_rows.exclude(target_id__in=list(members)).update(removed_on=on)
    already = set(open_rows.values_list("target_id", flat=True))
    RiskWarning.objects.bulk_create(
        [
            RiskWarning(
                target_id=pk,
                kind=WarningKind.SAME_ADDRESS,
                listed_on=on,
                source=_("系统计算"),
                detail=_("同一地址 %(n)d 户") % {"n": n},
            )
            for pk, n in members.items()
            if pk not in already
        ],
        batch_size=2000,
    )
    return len(members)


@transaction.atomic
def warnings_import(*, kind: str, credit_codes: Iterable[str], source: str, on: dt.date | None = None) -> list[str]:
    """Put the listed entities in an imported warning population; returns the codes not in the registry."""
    if kind not in WarningKind.values or kind == WarningKind.SAME_ADDRESS:
        raise ValueError(_("该预警类型由系统计算，不能导入"))
    on = on or timezone.localdate()
    codes = {credit_code.normalise(c) for c in credit_codes if c}
    ids = dict(Target.objects.filter(credit_code__in=codes).values_list("credit_code", "id"))
    already = set(
        RiskWarning.objects.filter(kind=kind, removed_on__isnull=True, target_id__in=ids.values()).values_list(
            "target_id", flat=True
        )
    )
    RiskWarning.objects.bulk_create(
        [RiskWarning(target_id=pk, kind=kind, listed_on=on, source=source) for pk in ids.values() if pk not in already]
    )
    return sorted(codes - set(ids))


# Names and descriptions are stored in Chinese and shown translated while unedited (policy_list.html).
PRESETS: dict[str, tuple[str, dict[str, dict[str, str]]]] = {
    gettext_noop("省级四档比例（2021）"): (
        gettext_noop("高风险 30%、较高风险 10%、一般风险 2%、低风险 1%（某省 2021 年）；不随任务基准比例变化。"),
        {
            "A": {"weight": "0", "min": "1", "max": "1"},
            "B": {"weight": "0", "min": "2", "max": "2"},
            "C": {"weight": "0", "min": "10", "max": "10"},
            "D": {"weight": "0", "min": "30", "max": "30"},
            "none": {"weight": "1", "min": "0", "max": "100"},
        },
    ),
    gettext_noop("市级分档区间"): (
        gettext_noop(
            "A 类不高于 5%、每年最多 1 次；B 类 5%–20%、每年 1 次；C 类 21%–60%、每年最多 2 次；D 类 61%–100%（某市）。"
            "以任务基准比例为 A 类比例，逐级翻倍后限制在各档区间内。"
        ),
        {
            "A": {"weight": "1", "min": "0", "max": "5", "times": "1"},
            "B": {"weight": "2", "min": "5", "max": "20", "times": "1"},
            "C": {"weight": "4", "min": "21", "max": "60", "times": "2"},
            "D": {"weight": "8", "min": "61", "max": "100"},
            "none": {"weight": "1", "min": "0", "max": "100"},
        },
    ),
    gettext_noop("基准比例递加"): (
        gettext_noop("以任务基准比例为 B 类比例：A ×0.5、B ×1、C ×2、D ×4。"),
        {
            "A": {"weight": "0.5", "min": "0", "max": "100"},
            "B": {"weight": "1", "min": "0", "max": "100"},
            "C": {"weight": "2", "min": "0", "max": "100"},
            "D": {"weight": "4", "min": "0", "max": "100"},
            "none": {"weight": "1", "min": "0", "max": "100"},
        },
    ),
}


def policy_presets_ensure() -> None:
    """Create the preset policies once; later edits by users are kept."""
    for name, (description, rules) in PRESETS.items():
        TierPolicy.objects.get_or_create(
            name=name,
            defaults={"description": description, "rules": rules, "is_preset": True, "warning_percent": Decimal(3)},
        )


def _policy_state(policy: TierPolicy) -> dict[str, object]:
    return {"rules": policy.rules, "description": policy.description, "warning_percent": policy.warning_percent}


@transaction.atomic
def policy_update(
    *,
    policy: TierPolicy,
    rules: dict[str, dict[str, str]],
    description: str,
    warning_percent: Decimal,
    user: User,
    request: HttpRequest | None = None,
) -> TierPolicy:
    """Change a shared tier policy: the leading-group office only (`may_write_policy`), audited
    with the policy before and after."""
    if not may_write_policy(user):
        raise PermissionDenied(_("分级抽查比例策略由领导小组办公室统一维护"))
    locked = TierPolicy.objects.select_for_update().get(pk=policy.pk)
    before = _policy_state(locked)
    policy.rules = rules
    policy.description = description
    policy.warning_percent = warning_percent
    policy.updated_at = timezone.now()
    policy.full_clean()
    policy.save(update_fields=["rules", "description", "warning_percent", "updated_at"])
    audit_record(
        actor=user,
        action="credit_risk.policy_update",
        obj=policy,
        request=request,
        detail={"before": before, "after": _policy_state(policy)},
    )
    return policy


def risk_signal_record(
    *, target_id: int, source: str, reference: str, occurred_on: dt.date, summary: str = ""
) -> RiskSignal:
    """Record once (per source record) that something happened the tier review should weigh."""
    signal, _created = RiskSignal.objects.get_or_create(
        source=source,
        reference=reference,
        defaults={"target_id": target_id, "occurred_on": occurred_on, "summary": summary[:300]},
    )
    return signal
