"""Admin of inspections: the result categories are edited here (a new scheme is new rows);
results, corrections and follow-up steps are shown read-only: they change only through their
services, and on PostgreSQL a trigger refuses any change to a submitted result anyway."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from inspections.models import Correction, FollowUp, FollowUpStep, Result, ResultCategory


@admin.register(ResultCategory)
class ResultCategoryAdmin(admin.ModelAdmin):
    list_display = ("scheme", "code", "name", "parent", "is_problem", "active", "order")
    list_filter = ("scheme", "is_problem", "active")
    search_fields = ("code", "name")
    ordering = ("scheme", "order", "code")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Results point at categories: retire one (active=False) instead of deleting it.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Renaming a category in place would rewrite every result that chose it: a change of
        # the national scheme is a new scheme's rows; an existing row can only be retired or moved.
        if obj is not None:
            return ("scheme", "code", "name", "parent", "is_problem")
        return ()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("visit", "version", "completed_on", "problem_found", "entered_by", "entered_at", "entered_late")
    list_filter = ("problem_found", "entered_late")
    raw_id_fields = ("visit",)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ("result", "department", "requested_by", "requested_at", "status", "decided_by")
    list_filter = ("status",)


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("target", "task", "department", "status", "due_on", "opened_at", "closed_at")
    list_filter = ("status", "department")
    raw_id_fields = ("target", "visit", "item_result")


@admin.register(FollowUpStep)
class FollowUpStepAdmin(ReadOnlyAdmin):
    list_display = ("follow_up", "kind", "done_on", "due_on", "recorded_by", "recorded_at")
    list_filter = ("kind",)
