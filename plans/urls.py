from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_upload, name="upload"),
    path("import/<str:token>/", views.plan_import_preview, name="import_preview"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/publish/", views.plan_publish, name="publish"),
    path("<int:pk>/export.<str:fmt>", views.plan_export, name="export"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/adjustments/new/", views.adjustment_create, name="adjustment_create"),
    path("tasks/<int:pk>/allocation/", views.task_allocation, name="task_allocation"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
    path("adjustments/<int:pk>/", views.adjustment_detail, name="adjustment_detail"),
    path("adjustments/<int:pk>/<str:which>/", views.adjustment_file_download, name="adjustment_file"),
]
