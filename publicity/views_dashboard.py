"""The leading-group office's dashboard; a department's staff see the same page for their own department.

Thin views: scope (year, department) from the user and the query string, one selector call,
render or export.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publicity import dashboard, exporting
from publicity.forms import DashboardScopeForm, YearGoalsForm
from publicity.services import year_goals_set
from publicity.snapshots import cached_figures
from registries.access import rule_required
from registries.models import Department
from registries.selectors import paginate
from registries.text import form_messages

dashboard_view = rule_required("publicity.view_dashboard")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(request: HttpRequest) -> tuple[int, Department | None]:
    """The year asked for, and the department: the office may pick one, everyone else has their own."""
    form = DashboardScopeForm(request.GET)
    year = form.year_asked()
    user = request.user
    if user.has_perm("registries.view_all_departments"):
        return year, form.department_asked()
    department = user.department  # type: ignore[union-attr]
    if department is None:
        raise PermissionDenied
    return year, department


def _query(year: int, department: Department | None, request: HttpRequest) -> str:
    params = {"year": year}
    if department is not None and request.user.has_perm("registries.view_all_departments"):
        params["department"] = department.pk
    return urlencode(params)


def _charts(figures: dashboard.Figures) -> dict[str, object]:
    return {
        "progress": {
            "labels": [_("%(month)d月") % {"month": m["month"]} for m in figures.months],
            "done": [m["done"] for m in figures.months],
            "cumulative": [m["cumulative"] for m in figures.months],
        },
        "finds": {
            "labels": [f.label for f in figures.finds],
            "values": [float(f.per_hundred or 0) for f in figures.finds],
        },
        "coverage": {
            "labels": [r.name for r in figures.rows if r.enterprises],
            "values": [float(r.coverage or 0) for r in figures.rows if r.enterprises],
            "goal": float(figures.goals.coverage),
        },
    }


@dashboard_view
def index(request: HttpRequest) -> HttpResponse:
    year, department = _scope(request)
    figures, computed_at = cached_figures(year=year, today=timezone.localdate(), department=department)
    rows = [(row, figures.missed(row)) for row in figures.rows]
    is_office = request.user.has_perm("registries.view_all_departments")
    return render(
        request,
        "dashboard/index.html",
        {
            "f": figures,
            "computed_at": computed_at,
            "t": figures.total,
            "missed": figures.total_missed,
            "rows": rows,
            "qs": _query(year, department, request),
            "years": list(range(timezone.localdate().year + 1, 2019, -1)),
            "departments": Department.objects.filter(is_active=True).order_by("name") if is_office else [],
            "is_office": is_office,
            "charts": _charts(figures),
            "chart_js": settings.CHART_JS if finders.find(settings.CHART_JS) else "",
        },
    )


@dashboard_view
def rows(request: HttpRequest, key: str) -> HttpResponse:
    if key not in dashboard.DRILLS:
        raise Http404
    year, department = _scope(request)
    queryset = dashboard.drill_rows(
        key=key, year=year, today=timezone.localdate(), department_id=department.pk if department else None
    )
    page = paginate(queryset, request.GET.get("page"), per_page=100)
    return render(
        request,
        "dashboard/rows.html",
        {
            "key": key,
            "title": dashboard.DRILLS[key],
            "page": page,
            "year": year,
            "department": department,
            "qs": _query(year, department, request),
            "today": timezone.localdate(),
        },
    )


@dashboard_view
def export(request: HttpRequest, which: str) -> HttpResponse:
    if which not in ("figures", "half-year", "self-check"):
        raise Http404
    year, department = _scope(request)
    # The half-year summary (due 10 June) covers 1 January to 30 June only.
    until = dashboard.half_year_end(year) if which == "half-year" else None
    figures = dashboard.figures(year=year, today=timezone.localdate(), department=department, until=until)
    if which == "figures":
        content = exporting.figures_to_xlsx(figures)
        filename = f"dashboard-{year}.xlsx"
    else:
        department_id = department.pk if department else None
        tasks = dashboard.task_progress(year=year, department_id=department_id, until=until)
        content = exporting.report_to_xlsx(figures, kind=which, tasks=tasks)
        filename = f"{which}-{year}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@rule_required("publicity.set_goals")
def goals(request: HttpRequest) -> HttpResponse:
    """The office sets the year's goals (coverage, credit-tier use)."""
    form = YearGoalsForm(request.POST)
    if not form.is_valid():
        for message in form_messages(form):
            messages.error(request, message)
        return redirect("dashboard:index")
    year_goals_set(**form.cleaned_data, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("已保存年度工作目标"))
    return redirect(f"{reverse('dashboard:index')}?{urlencode({'year': form.cleaned_data['year']})}")
