"""Draw rounds (one round = one draw), the drawn targets and the teams matched to them.

A finished draw cannot be altered, by anyone: on PostgreSQL triggers refuse any UPDATE or
DELETE of a drawn row and any change to the key fields or the deletion of a finished round.
A redraw is a new round (`redraw_of`, `reason`) and the first one stays on record.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans.models import Task
from registries.models import ChecklistItem, Department, Expert, Expertise, Inspector, Target, User

# Once a round is done these fields say what was drawn and how: they never change again.
ROUND_KEY_FIELDS = (
    "task_id",
    "round_no",
    "draw_no",
    "status",
    "commitment",
    "secret",
    "salts",
    "salts_commitment",
    "entropy",
    "population_digest",
    "tiers_digest",
    "seed",
    "population_size",
    "counts",
    "population_per_tier",
    "exclusions",
    "population_file",
    "redraw_of_id",
    "finished_at",
)


def _key_fields_changed() -> str:
    changed = " OR ".join(f'OLD."{f}" IS DISTINCT FROM NEW."{f}"' for f in ROUND_KEY_FIELDS)
    return f"OLD.\"status\" = 'done' AND ({changed})"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("已生成承诺值")
    QUEUED = "queued", _("正在抽取")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class DrawRound(models.Model):
    task = models.ForeignKey(Task, models.PROTECT, related_name="draw_rounds", verbose_name=_("抽查任务"))
    round_no = models.PositiveSmallIntegerField(_("轮次"))
    # Which of the task's yearly draws this round is (1 .. times_per_year); a redraw keeps the
    # number of the round it replaces. Unique per task among rounds that are not redraws:
    # two requests opening a round at once cannot both make the first draw of the year.
    draw_no = models.PositiveSmallIntegerField(_("年度第几次抽取"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    commitment = models.CharField(_("承诺值"), max_length=64)
    # Kept secret until the visits of the round are done; its hash (commitment) is shown from the start.
    secret = models.CharField(_("随机密钥"), max_length=64)
    # A tiered draw's per-tier secret salts (mixed into the tickets so that nothing public
    # reveals a tier): committed with the secret, opened to auditors only, never published.
    salts = models.JSONField(_("分类盐值"), default=dict, blank=True)
    salts_commitment = models.CharField(_("分类盐值承诺值"), max_length=64, blank=True)
    entropy = models.CharField(_("公开随机数"), max_length=200, blank=True)
    population_digest = models.CharField(_("对象名单摘要"), max_length=64, blank=True)
    tiers_digest = models.CharField(_("分类名单摘要"), max_length=64, blank=True)
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    uses_tiers = models.BooleanField(_("按信用风险分类抽取"), default=False)
    population_size = models.PositiveIntegerField(_("抽取范围对象数"), default=0)
    # Internal (tiers are confidential): population and count per tier.
    population_per_tier = models.JSONField(_("各分类对象数"), default=dict, blank=True)
    counts = models.JSONField(_("各分类抽取数"), default=dict, blank=True)
    exclusions = models.JSONField(_("排除对象数"), default=dict, blank=True)
    population_file = models.CharField(_("对象名单文件"), max_length=255, blank=True)
    started_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("发起人"))
    reason = models.TextField(_("重新抽取理由"), blank=True)
    # Why a round was opened or started outside its task's inspection window (empty: inside it).
    out_of_window_reason = models.TextField(_("检查期外抽取理由"), blank=True)
    redraw_of = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="redrawn_by", verbose_name=_("重新抽取自")
    )
    error = models.TextField(_("错误"), blank=True)
    opened_at = models.DateTimeField(_("承诺时间"), default=timezone.now)
    queued_at = models.DateTimeField(_("开始抽取时间"), null=True, blank=True)
    # When the broker accepted the draw's message; empty while it was unreachable (the beat
    # enqueues such a round again as soon as the broker is back).
    enqueued_at = models.DateTimeField(_("进入队列时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    matched_at = models.DateTimeField(_("匹配时间"), null=True, blank=True)
    matching_problems = models.JSONField(_("匹配问题"), default=list, blank=True)

    class Meta:
        verbose_name = _("抽取轮次")
        verbose_name_plural = _("抽取轮次")
        ordering = ["task", "round_no"]
        constraints = [
            # One round, one draw: a second request or a retried message cannot add another.
            models.UniqueConstraint(fields=["task", "round_no"], name="draw_round_unique"),
            # One click, one draw: of parallel requests opening the same yearly draw, one wins.
            models.UniqueConstraint(
                fields=["task", "draw_no"], condition=Q(redraw_of__isnull=True), name="draw_round_one_per_draw_no"
            ),
            models.CheckConstraint(condition=Q(draw_no__gte=1), name="draw_round_draw_no_positive"),
            models.CheckConstraint(
                condition=Q(redraw_of__isnull=True) | ~Q(reason=""), name="draw_round_redraw_has_reason"
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(seed=""), name="draw_round_done_has_seed"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="finished_round_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(_key_fields_changed()),
            ),
            pgtrigger.Protect(
                name="finished_round_kept",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.\"status\" = 'done'"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.name} " + gettext("第%(n)s轮") % {"n": self.round_no}

    @property
    def is_done(self) -> bool:
        return self.status == RoundStatus.DONE

    @property
    def is_superseded(self) -> bool:
        return hasattr(self, "redrawn_by")

    @property
    def drawn_count(self) -> int:
        return sum(int(v) for v in (self.counts or {}).values())

    @property
    def excluded_count(self) -> int:
        return sum(int(v) for v in (self.exclusions or {}).values())


# Why some foreign keys below have no database constraint (db_constraint=False): a round
# writes tens of thousands of drawn rows, coverage rows and team members in one
# transaction, and PostgreSQL checks each deferred foreign key row by row at COMMIT
# (seconds over a million-target round). The references left without a constraint point
# at rows that the triggers make permanent once written: a finished round can be neither
# deleted nor reopened ("finished_round_kept", "finished_round_frozen") and a drawn row can
# be neither changed nor deleted ("drawn_is_final"); the rows pointing at them are written
# in the same transaction as the rows they point at. Django still applies on_delete.


class DrawnTarget(models.Model):
    """One object drawn in one round. Written once, with the round, never changed."""

    # No index of its own: the unique (round, target) index starts with it.
    round = models.ForeignKey(
        DrawRound, models.PROTECT, related_name="drawn", db_constraint=False, db_index=False, verbose_name=_("抽取轮次")
    )
    target = models.ForeignKey(Target, models.PROTECT, related_name="draws", verbose_name=_("检查对象"))
    key = models.CharField(_("对象标识"), max_length=64)
    tier = models.CharField(_("信用风险分类"), max_length=8)  # internal
    ticket = models.CharField(_("签号"), max_length=64)
    rank = models.PositiveIntegerField(_("序位"))

    class Meta:
        verbose_name = _("抽中对象")
        verbose_name_plural = _("抽中对象")
        ordering = ["round", "ticket"]
        constraints = [models.UniqueConstraint(fields=["round", "target"], name="drawn_target_unique")]
        triggers = [pgtrigger.Protect(name="drawn_is_final", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.key}"


class ItemRequirement(models.Model):
    """What an inspection item asks of a team: an officer's expertise, and an expert from the pool."""

    item = models.OneToOneField(ChecklistItem, models.CASCADE, related_name="requirement", verbose_name=_("事项"))
    expertise = models.ForeignKey(
        Expertise, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("执法人员专业领域")
    )
    expert_expertise = models.ForeignKey(
        Expertise,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("需专家库专家的专业领域"),
    )

    class Meta:
        verbose_name = _("事项检查要求")
        verbose_name_plural = _("事项检查要求")

    def __str__(self) -> str:
        return str(self.item)


class TeamMember(models.Model):
    """One officer or expert on the team for one drawn target; rematching replaces the team."""

    # No index of its own: the unique (drawn, inspector) index starts with it. Each index
    # costs at insert, and a round inserts tens of thousands of members.
    drawn = models.ForeignKey(
        DrawnTarget,
        models.CASCADE,
        related_name="team",
        db_constraint=False,
        db_index=False,
        verbose_name=_("抽中对象"),
    )
    inspector = models.ForeignKey(
        Inspector, models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("执法检查人员")
    )
    expert = models.ForeignKey(
        Expert, models.PROTECT, null=True, blank=True, related_name="assignments", verbose_name=_("专家")
    )
    # The officer's department when matched (a snapshot: officers transfer). No database
    # constraint: it mirrors the inspector's, and each FK check costs at commit (56k rows a round).
    department = models.ForeignKey(
        Department, models.DO_NOTHING, null=True, blank=True, db_constraint=False, db_index=False, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("检查组成员")
        verbose_name_plural = _("检查组成员")
        constraints = [
            models.CheckConstraint(
                condition=Q(inspector__isnull=False, expert__isnull=True)
                | Q(inspector__isnull=True, expert__isnull=False),
                name="team_member_one_kind",
            ),
            models.UniqueConstraint(fields=["drawn", "inspector"], name="team_member_inspector_once"),
            models.UniqueConstraint(fields=["drawn", "expert"], name="team_member_expert_once"),
        ]

    def __str__(self) -> str:
        return str(self.inspector or self.expert)
