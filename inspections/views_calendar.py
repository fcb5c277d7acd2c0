"""The holiday calendar page: the system administrator enters a year's holidays and make-up
working days once the State Council has published them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.errors import InspectionError
from inspections.forms import CalendarYearForm
from inspections.models import CalendarYear, Visit, VisitStatus
from inspections.services.calendar import calendar_year_enter, next_year_missing
from registries.access import rule_required
from registries.models import User
from registries.text import form_messages


@rule_required("inspections.enter_calendar")
def calendar_years(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CalendarYearForm(request.POST or None, today=today)
    if request.method == "POST":
        if form.is_valid():
            user: User = request.user  # type: ignore[assignment]
            try:
                entry = calendar_year_enter(
                    year=form.cleaned_data["year"],
                    holidays=form.cleaned_data["holidays"],
                    makeup_workdays=form.cleaned_data["makeup"],
                    note=form.cleaned_data["note"],
                    user=user,
                )
            except InspectionError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request, _("已录入 %(year)d 年节假日安排，相关录入期限已重新计算") % {"year": entry.year}
                )
                return redirect("inspections:calendar_years")
        else:
            for message in form_messages(form):
                messages.error(request, message)
    years = CalendarYear.objects.select_related("entered_by").order_by("-year")[:10]
    return render(
        request,
        "inspections/calendar_years.html",
        {
            "years": years,
            "missing": next_year_missing(today),
            "provisional": Visit.objects.filter(deadline_provisional=True, status=VisitStatus.DONE).count(),
            "form": form,
        },
    )
