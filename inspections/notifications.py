"""The notifications inspections sends: a missing holiday year, a correction to decide or decided.

Titles and bodies are translated when written (in the language active then); links are
reversed, never spelled out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from registries.models import NotificationLevel, Role, User
from registries.services.notifications import notify

if TYPE_CHECKING:
    from inspections.models import Correction


def calendar_missing_notify(year: int) -> None:
    """Alarm the system administrators, once per year, that its holidays are not entered."""
    notify(
        users=User.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True),
        key=f"calendar-missing:{year}",
        kind="calendar_missing",
        level=NotificationLevel.ALARM,
        title=_("%(year)d年节假日安排尚未录入，结果录入期限为暂定") % {"year": year},
        body=_(
            "%(year)d年的节假日和调休安排尚未录入。落在%(year)d年的结果录入期限只能按周一至周五暂定。"
            "国务院办公厅公布后，请在“节假日安排”页面录入。"
        )
        % {"year": year},
        url=reverse("inspections:calendar_years"),
    )


def correction_pending_notify(correction: Correction, *, requester: User) -> None:
    """Tell the principal leaders of the requester's unit that a correction waits for them."""
    visit = correction.result.visit
    notify(
        users=User.objects.filter(role=Role.LEADER, department_id=correction.department_id),
        key=f"correction:{correction.pk}",
        kind="correction_pending",
        level=NotificationLevel.WARNING,
        title=_("待审批：%(target)s 检查结果更正申请") % {"target": visit.target.name},
        body=_("%(user)s 申请更正检查结果，理由：%(reason)s") % {"user": requester, "reason": correction.reason},
        url=reverse("inspections:correction_detail", args=[correction.pk]),
    )


def correction_decided_notify(correction: Correction) -> None:
    """Tell the requester how the principal leader decided."""
    visit = correction.result.visit
    notify(
        users=[correction.requested_by],
        key=f"correction-decided:{correction.pk}",
        kind="correction_decided",
        title=_("更正申请%(status)s：%(target)s")
        % {"status": correction.get_status_display(), "target": visit.target.name},
        body=correction.decision_note,
        url=reverse("inspections:visit_detail", args=[visit.pk]),
    )
