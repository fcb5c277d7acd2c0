from django.urls import path

from registries import views, views_duplicates, views_imports

app_name = "registries"

urlpatterns = [
    # The one list and two registries (helper B).
    path("targets/", views.target_list, name="target_list"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("inspectors/", views.inspector_list, name="inspector_list"),
    path("inspectors/<int:pk>/", views.inspector_detail, name="inspector_detail"),
    path("inspectors/<int:pk>/conflicts/new/", views.conflict_create, name="conflict_create"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict_detail"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_delete, name="conflict_delete"),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("items/", views.item_list, name="item_list"),
    path("items/claims/", views.claim_list, name="claim_list"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/claim/", views.item_claim, name="item_claim"),
    path("items/<int:pk>/unclaim/", views.item_unclaim, name="item_unclaim"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/v<int:version>/", views.item_version_detail, name="item_version_detail"),
    path("legal-bases/", views.legal_basis_list, name="legal_basis_list"),
    path("legal-bases/<int:pk>/", views.legal_basis_detail, name="legal_basis_detail"),
    # Imports and exports (helper A).
    path("imports/", views_imports.import_list, name="import_list"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views_imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/commit/", views_imports.import_commit, name="import_commit"),
    path("exports/<str:kind>.xlsx", views_imports.export_download, name="export"),
]

# Likely duplicates in the target registry: review, merge, dismiss (helper C).
urlpatterns += [
    path("targets/duplicates/", views_duplicates.duplicate_list, name="duplicate_list"),
    path("targets/duplicates/scan/", views_duplicates.duplicate_scan, name="duplicate_scan"),
    path("targets/duplicates/<int:pk>/merge/", views_duplicates.duplicate_merge_view, name="duplicate_merge"),
    path("targets/duplicates/<int:pk>/dismiss/", views_duplicates.duplicate_dismiss_view, name="duplicate_dismiss"),
]
