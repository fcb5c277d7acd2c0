"""The administrator's holiday lines, as the State Council notice lists them, read into days."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext as _

from inspections.errors import InspectionError

_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _day(text: str, line_no: int) -> dt.date:
    match = _DAY.match(text)
    if not match:
        raise InspectionError(
            _("第 %(line)d 行：“%(text)s”不是日期（应为 年-月-日，如 2027-01-01）") % {"line": line_no, "text": text}
        )
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise InspectionError(_("第 %(line)d 行：%(text)s 不是有效日期") % {"line": line_no, "text": text}) from None


def parse_day_lines(text: str, year: int) -> dict[dt.date, str]:
    """Lines as the State Council notice reads: `2027-02-10..2027-02-17 春节` or `2027-02-07 春节调休上班`.

    A range includes both ends; the name is optional. Every problem is reported with its line:
    `InspectionError` with one message per bad line.
    """
    days: dict[dt.date, str] = {}
    errors: list[str] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line:
            continue
        spec, _sep, name = line.partition(" ")
        first_text, sep, last_text = spec.replace("至", "..").replace("~", "..").partition("..")
        try:
            first = _day(first_text, line_no)
            last = _day(last_text, line_no) if sep else first
            if last < first:
                raise InspectionError(_("第 %(line)d 行：结束日期早于开始日期") % {"line": line_no})
            if first.year != year or last.year != year:
                raise InspectionError(_("第 %(line)d 行：日期不属于 %(year)d 年") % {"line": line_no, "year": year})
            if (last - first).days > 31:
                raise InspectionError(_("第 %(line)d 行：一段假期不超过一个月") % {"line": line_no})
        except InspectionError as exc:
            errors.extend(exc.messages)
            continue
        day = first
        while day <= last:
            days[day] = name.strip()[:50]
            day += dt.timedelta(days=1)
    if errors:
        raise InspectionError(errors)
    return days
