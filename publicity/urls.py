from django.urls import path

from publicity import views, views_audit, views_draws, views_portal

app_name = "publicity"

urlpatterns = [
    path("", views_portal.index, name="index"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/v<int:number>/", views.plan_version, name="plan_version"),
    path("checklist/", views.checklist, name="checklist"),
    path("results/", views.result_list, name="result_list"),
    path("results/<int:pk>/", views.result_detail, name="result_detail"),
    path("draws/", views_draws.draw_list, name="draw_list"),
    path("draws/drawing.py", views_draws.verifier_script, name="draw_verifier"),
    path("draws/<int:pk>/", views_draws.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/<str:which>/", views_draws.draw_file, name="draw_file"),
    path("audit-checkpoint/", views_audit.audit_checkpoint, name="audit_checkpoint"),
]
