from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from publicity import views_portal

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("registries.urls_security")),
    path("admin/", admin.site.urls),
    path("", views_portal.root, name="home"),
    path("registries/", include("registries.urls")),
    path("credit-risk/", include("credit_risk.urls")),
    path("plans/", include("plans.urls")),
    path("inspections/", include("inspections.urls")),
    path("public/", include("publicity.urls")),
    path("dashboard/", include("publicity.urls_dashboard")),
    path("notifications/", include("publicity.urls_notifications")),
]

# 403/404/500 in the site's layout, with a way back (templates/403.html, 404.html, 500.html).
