from django.urls import path

from credit_risk import views

app_name = "credit_risk"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("targets/<int:pk>/", views.target_tier, name="target_tier"),
    path("targets/<int:pk>/observation/", views.observation_set, name="observation_set"),
    path("tiers/import/", views.tier_import, name="tier_import"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/recompute/", views.warning_recompute, name="warning_recompute"),
]
