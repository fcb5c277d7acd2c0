from django.urls import path

from inspections import views, views_calendar, views_results

app_name = "inspections"

urlpatterns = [
    path("draws/", views.task_list, name="task_list"),
    path("tasks/<int:task_id>/draws/", views.task_draws, name="task_draws"),
    path("tasks/<int:task_id>/draws/open/", views.round_open, name="round_open"),
    path("draws/<int:pk>/", views.round_detail, name="round_detail"),
    path("draws/<int:pk>/status/", views.round_status, name="round_status"),
    path("draws/<int:pk>/start/", views.round_start, name="round_start"),
    path("draws/<int:pk>/witness/", views.round_witness, name="round_witness"),
    path("draws/<int:pk>/rematch/", views.round_rematch, name="round_rematch"),
    path("draws/<int:pk>/redraw/", views.round_redraw, name="round_redraw"),
    path("draws/<int:pk>/list.xlsx", views.round_list_xlsx, name="round_list_xlsx"),
    path("draws/<int:pk>/list/print/", views.round_list_print, name="round_list_print"),
    path("draws/<int:pk>/tasks.xlsx", views.round_tasks_xlsx, name="round_tasks_xlsx"),
    path("draws/<int:pk>/tasks/print/", views.round_tasks_print, name="round_tasks_print"),
    path("draws/<int:pk>/tiers.txt.gz", views.round_tiers_file, name="round_tiers_file"),
    path("visits/", views.my_visits, name="my_visits"),
    path("visits/<int:pk>/", views_results.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", views_results.visit_record, name="visit_record"),
    path("visits/<int:pk>/done/", views_results.visit_done, name="visit_done"),
    path("visits/<int:pk>/draft/", views_results.visit_draft, name="visit_draft"),
    path("visits/<int:pk>/submit/", views_results.visit_submit, name="visit_submit"),
    path("visits/<int:pk>/evidence/", views_results.evidence_upload, name="evidence_upload"),
    path("visits/<int:pk>/correction/", views_results.correction_create, name="correction_create"),
    path("evidence/<int:pk>/", views_results.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", views_results.evidence_delete, name="evidence_delete"),
    path("corrections/", views_results.correction_list, name="correction_list"),
    path("corrections/<int:pk>/", views_results.correction_detail, name="correction_detail"),
    path("follow-ups/", views_results.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/", views_results.follow_up_detail, name="follow_up_detail"),
    path("calendar/", views_calendar.calendar_years, name="calendar_years"),
    path("tasks/<int:task_id>/results/", views_results.task_results, name="task_results"),
    path(
        "tasks/<int:task_id>/summary/<int:department_id>.xlsx",
        views_results.task_summary_export,
        name="task_summary_export",
    ),
]
