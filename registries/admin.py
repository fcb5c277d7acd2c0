"""Admin for the registries: export buttons (django-import-export) and the import log.

No import buttons: imports go through the staff pages and commands, scoped to the department
and audited (registries.services.imports).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from import_export.admin import ExportMixin

from registries.models import ChecklistItem, ImportJob, Inspector, Target
from registries.resources import ChecklistItemResource, InspectorResource, TargetResource


@admin.register(Target)
class TargetAdmin(ExportMixin, admin.ModelAdmin):  # imports: the staff pages (scoped, audited)
    resource_classes = [TargetResource]
    list_display = ("name", "credit_code", "kind", "status", "region", "department")
    list_filter = ("kind", "status", "department")
    search_fields = ("name", "credit_code", "registration_number", "identifier", "registration_no")
    raw_id_fields = ("merged_into",)
    autocomplete_fields = ()


@admin.register(Inspector)
class InspectorAdmin(ExportMixin, admin.ModelAdmin):  # imports: the staff pages (scoped, audited)
    resource_classes = [InspectorResource]
    list_display = ("name", "certificate_no", "department", "certificate_valid_until", "status")
    list_filter = ("status", "department")
    search_fields = ("name", "certificate_no")


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [ChecklistItemResource]
    list_display = ("code", "__str__")
    search_fields = ("code",)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "original_name", "department", "status", "created_count", "rejected_count")
    list_filter = ("kind", "status")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
