from django.urls import path

from publicity import views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.index, name="index"),
    path("rows/<str:key>/", views_dashboard.rows, name="rows"),
    path("export/<str:which>/", views_dashboard.export, name="export"),
    path("goals/", views_dashboard.goals, name="goals"),
]
