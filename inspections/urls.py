from django.urls import path

from inspections import views

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
    path("draws/<int:pk>/tiers.txt.gz", views.round_tiers_file, name="round_tiers_file"),
    path("visits/", views.my_visits, name="my_visits"),
    path("visits/<int:pk>/done/", views.visit_done, name="visit_done"),
]
