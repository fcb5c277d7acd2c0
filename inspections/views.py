"""Staff pages of draws and matching, the witness screen, and the inspectors' own visits.

Access through registries.access only: rounds are scoped by the task's initiating and
cooperating departments (`selectors.visible_rounds`); only staff of the initiating
department change anything; tiers are shown to the initiating department and the office.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inspections import drawing, round_exports, selectors
from inspections.forms import DrawOpenForm, DrawStartForm, RedrawForm
from inspections.models import DrawRound, RoundStatus
from inspections.population import EXCLUSION_LABELS, media_path
from inspections.services import draws as draw_services
from inspections.services.matching import match_round
from inspections.verification import auditor_command
from plans.models import Task
from registries.access import registry_view, rule_required, scoped
from registries.models import User
from registries.text import form_messages

TIER_LABELS = {
    "A": gettext_lazy("A 低风险"),
    "B": gettext_lazy("B 一般风险"),
    "C": gettext_lazy("C 较高风险"),
    "D": gettext_lazy("D 高风险"),
    "none": gettext_lazy("未分类"),
    "-": gettext_lazy("不分类"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _tasks(user: User) -> QuerySet[Task]:
    qs = Task.objects.select_related("plan__owner", "initiator")
    return (scoped(user, qs, "initiator") | scoped(user, qs, "cooperating")).distinct()


def _round_for(request: HttpRequest, pk: int, *, change: bool = False) -> DrawRound:
    user = _user(request)
    draw_round = get_object_or_404(selectors.visible_rounds(user), pk=pk)
    if change and not user.has_perm("inspections.start_draw", draw_round.task):
        raise PermissionDenied
    return draw_round


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@registry_view
def task_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tasks = (
        _tasks(user)
        .filter(initiator__isnull=False)
        .prefetch_related(Prefetch("draw_rounds", queryset=DrawRound.objects.order_by("round_no")))
    )
    return render(request, "inspections/task_list.html", {"tasks": tasks.order_by("-plan__year", "plan", "number")})


@registry_view
def task_draws(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    task = get_object_or_404(_tasks(user), pk=task_id)
    return render(
        request,
        "inspections/task_draws.html",
        {
            "task": task,
            "rounds": selectors.task_rounds(task),
            "can_start": user.has_perm("inspections.start_draw", task),
            "visits_saved": selectors.visits_saved(task.plan),
            "window": draw_services.draw_window(task),
        },
    )


@require_POST
@registry_view
def round_open(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    task = get_object_or_404(_tasks(user), pk=task_id)
    form = DrawOpenForm(request.POST)
    if not form.is_valid():
        _error(request, ValidationError(form_messages(form)))
        return redirect("inspections:task_draws", task_id=task.pk)
    try:
        draw_round = draw_services.draw_round_open(
            task=task, user=user, out_of_window_reason=form.cleaned_data["out_of_window_reason"]
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect("inspections:task_draws", task_id=task.pk)
    return redirect("inspections:round_detail", pk=draw_round.pk)


def _round_context(request: HttpRequest, draw_round: DrawRound) -> dict[str, object]:
    user = _user(request)
    see_tiers = user.has_perm("inspections.see_tiers", draw_round)
    # Per-tier figures only for those allowed to see tiers (never built for anyone else).
    counts = (
        [(TIER_LABELS.get(t, t), n, draw_round.population_per_tier.get(t, 0)) for t, n in draw_round.counts.items()]
        if see_tiers
        else []
    )
    return {
        "round": draw_round,
        "task": draw_round.task,
        "can_start": user.has_perm("inspections.start_draw", draw_round.task),
        "window": draw_services.draw_window(draw_round.task),
        "see_tiers": see_tiers,
        "tier_counts": counts,
        "exclusions": [(EXCLUSION_LABELS.get(k, k), n) for k, n in draw_round.exclusions.items()],
        "polling": draw_round.status == RoundStatus.QUEUED,
    }


@registry_view
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _round_for(request, pk)
    context = _round_context(request, draw_round)
    if draw_round.is_done:
        drawn = selectors.round_drawn(draw_round)
        # Ticket order ranks a tiered draw's objects across tiers: code order for those who may not see tiers.
        context["drawn"] = drawn if context["see_tiers"] else drawn.order_by("key")
        context["visits_done"] = selectors.round_visits_done(draw_round)
        if _user(request).has_perm("inspections.audit_draws"):
            # Auditors: the salts and the full recompute (never on a public page or file).
            context["salts_text"] = drawing.salts_text(draw_round.salts) if draw_round.uses_tiers else ""
            context["auditor_command"] = auditor_command(draw_round)
    return render(request, "inspections/round_detail.html", context)


def _round_export(request: HttpRequest, pk: int) -> round_exports.RoundExport:
    """A finished round the user may see (the round page's rule), as the export rows."""
    draw_round = _round_for(request, pk)
    if not draw_round.is_done:
        raise Http404
    see_tiers = _user(request).has_perm("inspections.see_tiers", draw_round)
    return round_exports.round_export(draw_round, see_tiers=see_tiers)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@registry_view
def round_list_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    export = _round_export(request, pk)
    return _xlsx(
        round_exports.list_workbook(export), f"抽查名单-{export.round.task.name}-第{export.round.round_no}轮.xlsx"
    )


@registry_view
def round_tasks_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    export = _round_export(request, pk)
    return _xlsx(
        round_exports.tasks_workbook(export), f"检查任务单-{export.round.task.name}-第{export.round.round_no}轮.xlsx"
    )


@registry_view
def round_list_print(request: HttpRequest, pk: int) -> HttpResponse:
    export = _round_export(request, pk)
    return render(request, "inspections/round_list_print.html", {"export": export, "round": export.round})


@registry_view
def round_tasks_print(request: HttpRequest, pk: int) -> HttpResponse:
    export = _round_export(request, pk)
    return render(
        request,
        "inspections/round_tasks_print.html",
        {"export": export, "round": export.round, "teams": export.teams()},
    )


@registry_view
def round_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial polled while the draw runs; the full page reloads when it is done."""
    draw_round = _round_for(request, pk)
    witness = request.GET.get("witness") == "1"
    context = _round_context(request, draw_round)
    if witness:
        context["tier_counts"] = []  # the projector shows totals only
    response = render(
        request, "inspections/_witness_status.html" if witness else "inspections/_round_status.html", context
    )
    if not witness and draw_round.status != RoundStatus.QUEUED and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@registry_view
def round_start(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _round_for(request, pk, change=True)
    form = DrawStartForm(request.POST)
    if form.is_valid():
        try:
            draw_round = draw_services.draw_round_start(
                draw_round=draw_round,
                user=_user(request),
                entropy=form.cleaned_data["entropy"],
                out_of_window_reason=form.cleaned_data["out_of_window_reason"],
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            draw_round.refresh_from_db(fields=["status", "enqueued_at"])
            if draw_round.status == RoundStatus.QUEUED and draw_round.enqueued_at is None:
                messages.warning(
                    request,
                    _("抽取已登记，但任务队列暂时无法连接：本轮保持“正在抽取”，队列恢复后将自动开始，无需重复操作"),
                )
    else:
        _error(request, ValidationError(form_messages(form)))
    if form.cleaned_data.get("witness"):
        return redirect("inspections:round_witness", pk=pk)
    return redirect("inspections:round_detail", pk=pk)


@registry_view
def round_witness(request: HttpRequest, pk: int) -> HttpResponse:
    """Full screen for a projector: the commitment, the witness's entropy, then the seed and the totals
    (never per tier: anyone in the room sees the screen)."""
    draw_round = _round_for(request, pk)
    return render(request, "inspections/round_witness.html", {**_round_context(request, draw_round), "tier_counts": []})


@require_POST
@registry_view
def round_rematch(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _round_for(request, pk, change=True)
    try:
        result = match_round(draw_round=draw_round, user=_user(request))
    except ValidationError as exc:
        _error(request, exc)
    else:
        if result.shortfalls:
            messages.warning(
                request,
                _("已重新匹配，仍有 %(n)d 个对象无法组成检查组") % {"n": len({s.target for s in result.shortfalls})},
            )
        else:
            messages.success(request, _("已重新匹配：%(n)d 个检查组") % {"n": len(result.teams)})
    return redirect("inspections:round_detail", pk=pk)


@require_POST
@registry_view
def round_redraw(request: HttpRequest, pk: int) -> HttpResponse:
    draw_round = _round_for(request, pk, change=True)
    form = RedrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_messages(form))
        new = draw_services.draw_round_redraw(
            draw_round=draw_round, user=_user(request), reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect("inspections:round_detail", pk=pk)
    return redirect("inspections:round_detail", pk=new.pk)


@rule_required("inspections.audit_draws")
def round_tiers_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Auditors (the leading-group office) recompute a tiered draw tier by tier from this file."""
    draw_round = _round_for(request, pk)
    if not draw_round.is_done:
        raise Http404
    path = media_path(draw_round.population_file).with_name("tiers.txt.gz")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"draw-{draw_round.pk}-tiers.txt.gz")
    return cast(HttpResponse, response)  # a streaming response; the decorators only pass it through


@rule_required("inspections.record_visits")
def my_visits(request: HttpRequest) -> HttpResponse:
    """An inspector's own visits, for the phone: overdue, to enter, today, upcoming, recently entered."""
    today = timezone.localdate()
    sections = selectors.inspector_visit_sections(_user(request), today)
    return render(request, "inspections/my_visits.html", {"sections": sections, "today": today})
